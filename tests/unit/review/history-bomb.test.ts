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
import { createLogDoc, logArray } from '../../../src/lib/log/log-doc';
import {
	checkPeerMessage,
	MAX_LOG_STRUCTS,
	MAX_STEP2_STRUCTS
} from '../../../src/lib/sync/peer-message';
import * as hostile from '../../adversary/log';
import { asPeerUpdate, asStep2, craftUpdate, runsAfter } from './craft';

function deliver(message: Uint8Array, log: Y.Doc) {
	const checked = checkPeerMessage(message);
	expect(checked.ok, JSON.stringify(checked)).toBe(true);
	const decoder = decoding.createDecoder(message);
	decoding.readVarUint(decoder);
	decoding.readVarUint(decoder);
	Y.applyUpdate(log, decoding.readVarUint8Array(decoder), 'network');
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

		// Three bombs of 10,001 runs; each time, what y-webrtc re-broadcasts (the transaction's
		// update: the runs and their 10,000 delete ranges) reaches a connected peer, which
		// accepts it too.
		const runs = Math.floor(MAX_LOG_STRUCTS / 3) + 1;
		// (Each bomb's client ids below the last's: bigger ones would also freeze the receiver for
		// tens of seconds, see conflict-walk.test.ts, and this test is about size, not time.)
		for (const first of [3_000_000, 2_000_000, 1_000_000]) {
			let rebroadcast: Uint8Array | null = null;
			const listen = (update: Uint8Array) => (rebroadcast = update);
			victim.on('update', listen);
			const bomb = asPeerUpdate(
				craftUpdate(
					Array.from({ length: runs }, (_, i) => ({ client: first + i, clock: 0, deleted: 1 }))
				)
			);
			expect(checkPeerMessage(bomb)).toEqual({ ok: false, reason: 'not-appended' });
			const chained = runsAfter({ client: victim.clientID, clock: 0 }, first, runs, 1);
			deliver(chained, victim); // accepted: 10,000 structs, 0 entries, ~70 KB
			victim.off('update', listen);
			deliver(asPeerUpdate(rebroadcast as unknown as Uint8Array), upToDate);
		}
		await guard.tidyNow();
		guard.destroy();
		expect(Y.encodeStateVector(upToDate)).toEqual(Y.encodeStateVector(victim));

		// As an answer to a step 1 (peer-guard.ts allows the larger cap then).
		const step2 = (sv: Uint8Array) =>
			checkPeerMessage(asStep2(Y.encodeStateAsUpdate(victim, sv)), MAX_STEP2_STRUCTS);
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
