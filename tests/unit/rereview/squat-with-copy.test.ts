// Re-review finding (high): coverage() now names only ids of entries that verified here, but a
// verified entry's item id is still the attacker's choice. The review's squat (one deleted run
// over a writer's next ids, given to one editor only) plus ONE replayed copy of any genuine
// envelope placed at the end of that run: the copy verifies, so #verifiedUpTo[victim] jumps past
// the whole squatted range (and never comes down: the copy is later tidied away as an extra
// copy, the high-water mark stays). The next snapshot that editor seals covers the writer's
// future entries again; every other peer judges their deletion "covered" and nobody puts them
// back. Same loss as review/item-id-squat.test.ts, one extra item. Passes every peer-message
// check (one root, one item after it, a single genuine ContentBinary). Suggested fix: a snapshot
// must name what it replaces by envelope id (a list, or a hash of the sorted ids), not by a
// range of unsigned item ids; or covers[c] may only reach the end of a contiguous run of ids
// this peer saw as verified entries (not deleted runs it never saw live) — the former is sound.
import * as decoding from 'lib0/decoding';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import * as capability from '../../../src/lib/crypto/capability';
import { createVerifier, signingKeys } from '../../../src/lib/crypto/signing';
import * as pages from '../../../src/lib/doc/pages';
import { createContentDoc, pagesMap } from '../../../src/lib/doc/schema';
import { Bridge } from '../../../src/lib/log/bridge';
import { LogGuard } from '../../../src/lib/log/guard';
import { createLogDoc } from '../../../src/lib/log/log-doc';
import { checkPeerMessage } from '../../../src/lib/sync/peer-message';
import * as hostile from '../../adversary/log';
import { asPeerUpdate, craftUpdate } from '../review/craft';

type Cap = capability.EditCapability | capability.ViewCapability;
const FAST = { coalesceMs: 1, idleMs: 3_600_000, pauseMs: [0, 20] as const, repairMs: 20 };

async function reader(cap: Cap, log = createLogDoc()) {
	const content = createContentDoc();
	const bridge = await Bridge.create({ content, log, cap, ...(await signingKeys(cap)), ...FAST });
	return { content, log, bridge };
}

const titlesOf = (content: Y.Doc) =>
	[...pagesMap(content).values()].map((page) => String(page.get('title'))).sort();

function deliver(message: Uint8Array, log: Y.Doc) {
	const checked = checkPeerMessage(message);
	expect(checked.ok, JSON.stringify(checked)).toBe(true);
	const decoder = decoding.createDecoder(message);
	decoding.readVarUint(decoder);
	decoding.readVarUint(decoder);
	Y.applyUpdate(log, decoding.readVarUint8Array(decoder), 'network');
}

describe('re-review: squatted ids vouched for by a replayed copy', () => {
	it("an editor's entry held by an honest relay is lost once the squatted editor compacts", async () => {
		const cap = capability.fromSecret(capability.newSecret());
		const relayCap = capability.toRelay(cap);
		const alice = await reader(cap);
		const bob = await reader(cap);
		const relayLog = createLogDoc();
		const relay = new LogGuard({
			log: relayLog,
			cap: relayCap,
			verifier: await createVerifier(relayCap.signPk),
			pauseMs: [0, 10]
		});
		await relay.start();
		pages.createPage(alice.content, { title: 'before' });
		await alice.bridge.settled();
		hostile.meet(alice.log, relayLog);
		hostile.meet(relayLog, bob.log);
		await bob.bridge.settled();
		expect(titlesOf(bob.content)).toEqual(['before']);

		// The squat, given to Bob only, now ends in a copy of a genuine envelope (any will do).
		const victim = alice.log.clientID;
		const at = Y.getState(alice.log.store, victim);
		const span = 2 ** 40;
		const genuine = hostile.entries(alice.log)[0] as Uint8Array;
		deliver(
			asPeerUpdate(
				craftUpdate([
					{ client: victim, clock: at, deleted: span },
					{
						client: victim,
						clock: at + span,
						binary: genuine,
						origin: { client: victim, clock: at + span - 1 }
					}
				])
			),
			bob.log
		);
		await bob.bridge.maintain(); // the copy verifies; the extra copy is tidied away

		pages.createPage(alice.content, { title: 'written by Alice' });
		await alice.bridge.settled();
		hostile.meet(alice.log, relayLog);
		await relay.settled();
		alice.bridge.destroy();

		await bob.bridge.compact();
		for (let round = 0; round < 2; round++) {
			hostile.meet(relayLog, bob.log);
			await relay.tidyNow();
			await bob.bridge.maintain();
		}
		const stats = { ...relay.stats.deletions, putBack: relay.stats.putBack };
		relay.destroy();
		const log = createLogDoc();
		hostile.meet(relayLog, log);
		hostile.meet(bob.log, log);
		const fresh = await reader(capability.toView(cap), log);
		await fresh.bridge.maintain();
		const titles = titlesOf(fresh.content);
		fresh.bridge.destroy();
		bob.bridge.destroy();
		expect(titles, `relay: ${JSON.stringify(stats)}`).toEqual(['before', 'written by Alice']);
	});
});
