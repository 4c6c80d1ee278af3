// Review finding: the struct cap (MAX_LOG_STRUCTS, 30,000 structs + delete ranges per peer
// update) is checked per message, but Yjs keeps every struct forever and writes the *whole*
// delete set into every sync step 2. An accepted message of 10,000 deleted runs, each under its
// own made-up client id (~70 KB, zero entries: nothing for the guard to see or remove), gives
// the log 10,000 structs and 10,000 delete ranges for good. y-webrtc re-broadcasts it (20,000:
// under the cap) to every connected peer, each of which accepts it, stores it and re-broadcasts
// it in turn. After two such messages every step 2 to a newcomer is over the cap; after three,
// every step 2 any peer sends (even to a peer that is fully up to date: the delete set is always
// sent whole) is dropped. The threat model's "history grows per writing session" limit (a year
// of honest use) is reached by anyone with the relay key in three messages: the space can no
// longer be joined or caught up with, by anybody, ever.
// Now: runs without an origin are refused (honest peers append), and the answer to a sync step 1
// may hold a whole history (MAX_STEP2_STRUCTS, ten times the cap on updates); the same bomb
// appended as a chain is accepted and still leaves every step 2 within that.
import * as decoding from 'lib0/decoding';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import * as capability from '../../../src/lib/crypto/capability';
import * as envelope from '../../../src/lib/crypto/envelope';
import { createSigner, createVerifier } from '../../../src/lib/crypto/signing';
import { LogGuard } from '../../../src/lib/log/guard';
import { createLogDoc, heldLog, logArray } from '../../../src/lib/log/log-doc';
import {
	checkPeerMessage,
	MAX_LOG_STRUCTS,
	MAX_SIBLINGS,
	MAX_UPDATE_ITEMS
} from '../../../src/lib/sync/peer-message';
import * as hostile from '../../adversary/log';
import { asPeerUpdate, asStep2, craftUpdate, runsAfter } from './craft';

/** Checked against the receiver's log as its PeerGuard does, then applied if accepted. */
function deliver(message: Uint8Array, log: Y.Doc): boolean {
	const checked = checkPeerMessage(message, false, heldLog(log));
	if (!checked.ok) return false;
	const decoder = decoding.createDecoder(message);
	decoding.readVarUint(decoder);
	decoding.readVarUint(decoder);
	Y.applyUpdate(log, decoding.readVarUint8Array(decoder), 'network');
	return true;
}

describe('review: a history bomb (relay key only)', () => {
	it('after three accepted updates, peers can still answer each other’s sync step 1', async () => {
		const cap = capability.fromSecret(capability.newSecret());
		const relayCap = capability.toRelay(cap);
		const victim = createLogDoc();
		logArray(victim).push([
			await envelope.seal(
				cap,
				await createSigner(cap.signSeed),
				envelope.KIND_UPDATE,
				new Uint8Array(4)
			)
		]);
		const guard = new LogGuard({
			log: victim,
			cap: relayCap,
			verifier: await createVerifier(relayCap.signPk),
			pauseMs: [0, 10]
		});
		await guard.start();
		const upToDate = createLogDoc();
		hostile.meet(victim, upToDate);

		// The bomb as it was (10,001 runs at the start of the log) and as a chain: both refused
		// (an update holds at most MAX_UPDATE_ITEMS items).
		const runs = Math.floor(MAX_LOG_STRUCTS / 3) + 1;
		const bomb = asPeerUpdate(
			craftUpdate(
				Array.from({ length: runs }, (_, i) => ({ client: 3e6 + i, clock: 0, deleted: 1 }))
			)
		);
		expect(checkPeerMessage(bomb).ok).toBe(false);
		const after = { client: victim.clientID, clock: 0 };
		expect(checkPeerMessage(asPeerUpdate(runsAfter(after, 3e6, runs, 1))).ok).toBe(false);
		// What is left: many accepted updates of MAX_UPDATE_ITEMS runs each, each re-broadcast
		// by y-webrtc to a connected peer, which accepts it too: 3 × MAX_LOG_STRUCTS in all.
		// Each chain starts after the same item: the log holds at most MAX_SIBLINGS items after
		// one item, so from then on such updates are refused — by the victim as by everyone, and
		// the victim's own history stays one that others take.
		const per = MAX_UPDATE_ITEMS;
		let accepted = 0;
		let sent = 0;
		for (let m = 0; m * per < 3 * runs; m++, sent++) {
			let rebroadcast: Uint8Array | null = null;
			const listen = (update: Uint8Array) => (rebroadcast = update);
			victim.on('update', listen);
			// (Client ids falling: larger ones would walk the earlier runs, and this test is about
			// size, not time; see conflict-walk.test.ts.)
			if (deliver(asPeerUpdate(runsAfter(after, 2e6 - m * per, per, 1)), victim)) accepted++;
			victim.off('update', listen);
			if (rebroadcast !== null) deliver(asPeerUpdate(rebroadcast), upToDate);
		}
		expect(accepted).toBeLessThanOrEqual(MAX_SIBLINGS);
		expect(sent).toBeGreaterThan(MAX_SIBLINGS);
		await guard.tidyNow();
		guard.destroy();
		expect(Y.encodeStateVector(upToDate)).toEqual(Y.encodeStateVector(victim));

		// As an answer to a step 1 (peer-guard.ts allows the larger cap then).
		const step2 = (sv: Uint8Array) =>
			checkPeerMessage(asStep2(Y.encodeStateAsUpdate(victim, sv)), true);
		const toNewcomer = step2(Y.encodeStateVector(createLogDoc()));
		const toUpToDatePeer = step2(Y.encodeStateVector(upToDate));
		expect(
			{ toNewcomer: toNewcomer.ok, toUpToDatePeer: toUpToDatePeer.ok },
			JSON.stringify({ toNewcomer, toUpToDatePeer })
		).toEqual({
			toNewcomer: true,
			toUpToDatePeer: true
		});
	});
});
