// Review finding: Yjs item ids are not bound to their writer. Anyone with the relay key can
// "squat" a range of another writer's future item ids on one honest peer (one ContentDeleted
// struct: ~20 bytes, no entry, passes every peer-message check). That peer never integrates the
// real entries written at those ids (Yjs thinks it has them), and when it compacts, its signed
// snapshot's `covers` names the whole squatted range: every other peer then judges the deletion
// of those real entries "covered" and nobody puts them back. The only copy left is on the
// author's device (an editor's repair reseals it when, and only if, it comes back online).
// Fails today.
import * as decoding from 'lib0/decoding';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import * as capability from '../../../src/lib/crypto/capability';
import { createVerifier, signingKeys } from '../../../src/lib/crypto/signing';
import * as pages from '../../../src/lib/doc/pages';
import { createContentDoc, pagesMap } from '../../../src/lib/doc/schema';
import { Bridge } from '../../../src/lib/log/bridge';
import { createLogDoc } from '../../../src/lib/log/log-doc';
import { LogGuard } from '../../../src/lib/log/guard';
import { checkPeerMessage } from '../../../src/lib/sync/peer-message';
import * as hostile from '../../adversary/log';
import { asPeerUpdate, craftUpdate } from './craft';

type Cap = capability.EditCapability | capability.ViewCapability;
const FAST = { coalesceMs: 1, idleMs: 3_600_000, pauseMs: [0, 20] as const, repairMs: 20 };

async function reader(cap: Cap, log = createLogDoc()) {
	const content = createContentDoc();
	const bridge = await Bridge.create({ content, log, cap, ...(await signingKeys(cap)), ...FAST });
	return { content, log, bridge };
}

const titlesOf = (content: Y.Doc) =>
	[...pagesMap(content).values()].map((page) => String(page.get('title'))).sort();

/** What y-webrtc does with a peer message the guard accepted: apply it to the log doc. */
function deliver(message: Uint8Array, log: Y.Doc) {
	const checked = checkPeerMessage(message);
	expect(checked.ok, JSON.stringify(checked)).toBe(true);
	const decoder = decoding.createDecoder(message);
	decoding.readVarUint(decoder);
	decoding.readVarUint(decoder);
	Y.applyUpdate(log, decoding.readVarUint8Array(decoder), 'network');
}

/** The squat: one deleted run over `length` of `client`'s ids from `clock` on. */
const squat = (client: number, clock: number, length = 2 ** 40) =>
	asPeerUpdate(craftUpdate([{ client, clock, deleted: length }]));

async function newcomerTitles(cap: capability.EditCapability, ...sources: Y.Doc[]) {
	const log = createLogDoc();
	for (const source of sources) hostile.meet(source, log);
	const fresh = await reader(capability.toView(cap), log);
	await fresh.bridge.maintain();
	const titles = titlesOf(fresh.content);
	fresh.bridge.destroy();
	return titles;
}

describe('review: item-id squatting (relay key only)', () => {
	it("an editor's entry held by an honest relay is lost once a squatted editor compacts", async () => {
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

		// The attacker saw Alice's log client id and clock in any update of hers, and gives Bob
		// (only Bob) one deleted run over her next 2^40 ids: ~20 bytes, no entry.
		const victim = alice.log.clientID;
		deliver(squat(victim, Y.getState(alice.log.store, victim)), bob.log);

		// Alice writes; the honest relay gets it; Alice closes her tab.
		pages.createPage(alice.content, { title: 'written by Alice' });
		await alice.bridge.settled();
		hostile.meet(alice.log, relayLog);
		await relay.settled();
		alice.bridge.destroy();

		// Bob compacts, as any editor does now and then: covers[victim] is Alice's clock + 2^40.
		await bob.bridge.compact();
		// Bob and the relay meet: the relay's copy of Alice's entry is deleted, and the rules say
		// the deletion is "covered" by Bob's (valid, signed) snapshot: nobody puts it back.
		for (let round = 0; round < 2; round++) {
			hostile.meet(relayLog, bob.log);
			await relay.tidyNow();
			await bob.bridge.maintain();
		}
		const stats = { ...relay.stats.deletions, putBack: relay.stats.putBack };
		relay.destroy();
		expect(await newcomerTitles(cap, relayLog, bob.log), `relay: ${JSON.stringify(stats)}`).toEqual(
			['before', 'written by Alice']
		);
		bob.bridge.destroy();
	});
});
