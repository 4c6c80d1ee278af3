// Re-review finding (high, honest refusal; fixed by chaining each writer's entries): MAX_STEP2_STRUCTS / MAX_LOG_STRUCTS assume a log's
// history grows by "about two structs per editing session" (a deleted run and a delete range
// per client id). That holds for one writer at a time, not for people editing together: Yjs
// merges two deleted items into one run only when the second's origin is the first, and an
// editor who appends after a co-editor's entry has that entry as origin. So when two editors'
// entries alternate, every entry stays its own struct after compaction, forever (and every
// snapshot is another). Measured below with real Bridges: 120 alternating entries leave ≥ 120
// structs. Co-editing at the coalescing rate (one envelope per 50 ms window while typing) makes
// tens of thousands of entries an hour; past 300,000 structs every whole-history sync step 2 —
// even one we asked for — is refused ('too-many-entries'), and a newcomer can never join: the
// space is bricked for new devices by ordinary use. (Past 30,000, every resync 'update' that
// carries a whole history, and every relayed step 2, is refused as well.) Suggested fix: do not
// cap a requested step 2 by struct count (cap bytes/time and process it in slices), or make
// history not grow per entry (log epochs: a compaction starts a fresh log doc; or stable
// per-device writer ids do not help here — alternation is the cause).
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import * as capability from '../../../src/lib/crypto/capability';
import { signingKeys } from '../../../src/lib/crypto/signing';
import * as pages from '../../../src/lib/doc/pages';
import { createContentDoc } from '../../../src/lib/doc/schema';
import { Bridge } from '../../../src/lib/log/bridge';
import { createLogDoc } from '../../../src/lib/log/log-doc';
import { checkPeerMessage, MAX_STEP2_STRUCTS } from '../../../src/lib/sync/peer-message';
import * as hostile from '../../adversary/log';
import { asStep2, craftUpdate, type CraftItem } from '../review/craft';

const FAST = { coalesceMs: 1, idleMs: 3_600_000, pauseMs: [0, 5] as const, repairMs: 5 };

async function editor(cap: capability.EditCapability) {
	const content = createContentDoc();
	const log = createLogDoc();
	const bridge = await Bridge.create({ content, log, cap, ...(await signingKeys(cap)), ...FAST });
	return { content, log, bridge };
}

const structsOf = (log: Y.Doc) => {
	const { structs, ds } = Y.decodeUpdate(Y.encodeStateAsUpdate(log));
	let ranges = 0;
	for (const list of ds.clients.values()) ranges += list.length;
	return structs.length + ranges;
};

describe('re-review: history of people editing together', () => {
	it('grows by one struct per entry, not two per session', async () => {
		const cap = capability.fromSecret(capability.newSecret());
		const alice = await editor(cap);
		const bob = await editor(cap);
		const unlink = hostile.link(alice.log, bob.log);
		const ENTRIES = 120;
		for (let i = 0; i < ENTRIES; i++) {
			const who = i % 2 === 0 ? alice : bob;
			pages.createPage(who.content, { title: `page ${i}` });
			await who.bridge.settled();
		}
		await alice.bridge.compact();
		await alice.bridge.maintain();
		await bob.bridge.maintain();
		unlink();
		const structs = structsOf(alice.log);
		console.log(`2 sessions, ${ENTRIES} alternating entries: ${structs} structs after compaction`);
		alice.bridge.destroy();
		bob.bridge.destroy();
		// The caps' model: about two per writing session (here 2 sessions), plus the snapshot.
		expect(structs).toBeLessThan(10);
	});

	// Since entries chain to their writer's previous one (log/log-doc.ts appendEntries), the
	// history above is a few runs per session, and the alternating shape below is one only old
	// clients make; past the cap it is still refused (the cap bounds a first sync's cost).
	it('a hand-built alternating history past MAX_STEP2_STRUCTS is refused, even when asked for', () => {
		// The shape Yjs encodes for the history above, at scale: two clients' deleted entries,
		// alternating, each after the other's last; then the live snapshot.
		const A = 11;
		const B = 22;
		const half = Math.ceil((MAX_STEP2_STRUCTS + 2) / 2);
		const items: CraftItem[] = [];
		const byClient: Record<number, CraftItem[]> = { [A]: [], [B]: [] };
		let last: { client: number; clock: number } | undefined;
		for (let i = 0; i < 2 * half; i++) {
			const client = i % 2 === 0 ? A : B;
			const clock = Math.floor(i / 2);
			const item: CraftItem = { client, clock, deleted: 1, ...(last ? { origin: last } : {}) };
			(byClient[client] as CraftItem[]).push(item);
			last = { client, clock };
		}
		for (const item of byClient[A] as CraftItem[]) items.push(item);
		for (const item of byClient[B] as CraftItem[]) items.push(item);
		items.push({
			client: A,
			clock: half,
			binary: new Uint8Array(64),
			origin: last as { client: number; clock: number }
		});
		const history = craftUpdate(items, [
			{ client: A, clock: 0, len: half },
			{ client: B, clock: 0, len: half }
		]);
		const checked = checkPeerMessage(asStep2(history), true);
		expect(checked).toEqual({ ok: false, reason: 'too-many-entries' });
	}, 30_000);
});
