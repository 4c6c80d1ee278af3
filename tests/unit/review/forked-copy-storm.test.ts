// Review finding: a fork of one item id turns the duplicate rule against itself. The attacker
// (relay key only) gives peer 1 a copy of a real envelope O at item id (1, 0) — smaller than any
// real writer's — and gives peer 2 a copy of another real envelope F at the same id (1, 0); both
// also get the deletion of O's original. Peer 1 judges that deletion a "duplicate" (its copy at (1, 0) is
// smaller); peer 2 has no copy and puts the envelope back. Peer 1 then sees two copies and
// removes peer 2's as the larger; peer 2 sees its put-back deleted without sanction and puts it
// back again... forever: one ~100-byte message per peer, then an endless put-back storm that
// re-sends the whole envelope (a snapshot: megabytes) about once a second, grows the log's
// history by a struct and a delete range per round, and never converges. Fails today.
import { describe, expect, it } from 'vitest';
import * as decoding from 'lib0/decoding';
import * as Y from 'yjs';
import * as capability from '../../../src/lib/crypto/capability';
import * as envelope from '../../../src/lib/crypto/envelope';
import { createSigner, createVerifier } from '../../../src/lib/crypto/signing';
import { LogGuard } from '../../../src/lib/log/guard';
import { createLogDoc, logArray } from '../../../src/lib/log/log-doc';
import { checkPeerMessage } from '../../../src/lib/sync/peer-message';
import * as hostile from '../../adversary/log';
import { asPeerUpdate, craftUpdate } from './craft';

function deliver(message: Uint8Array, log: Y.Doc) {
	const checked = checkPeerMessage(message);
	expect(checked.ok, JSON.stringify(checked)).toBe(true);
	const decoder = decoding.createDecoder(message);
	decoding.readVarUint(decoder);
	decoding.readVarUint(decoder);
	Y.applyUpdate(log, decoding.readVarUint8Array(decoder), 'network');
}

describe('review: a forked item id and the duplicate rule', () => {
	it('two honest peers converge after one forked copy (today: an endless put-back storm)', async () => {
		const cap = capability.fromSecret(capability.newSecret());
		const signer = await createSigner(cap.signSeed);
		const relayCap = capability.toRelay(cap);
		// One real envelope (a snapshot would do the same, megabytes at a time).
		const editorLog = createLogDoc();
		editorLog.clientID = 1_000_000;
		const real = await envelope.seal(cap, signer, envelope.KIND_UPDATE, new Uint8Array(50_000));
		const other = await envelope.seal(cap, signer, envelope.KIND_UPDATE, new Uint8Array(10));
		logArray(editorLog).push([real, other]);

		const guards: LogGuard[] = [];
		const logs = [createLogDoc(), createLogDoc()];
		for (const log of logs) {
			hostile.meet(editorLog, log);
			const guard = new LogGuard({
				log,
				cap: relayCap,
				verifier: await createVerifier(relayCap.signPk),
				pauseMs: [0, 10]
			});
			await guard.start();
			guards.push(guard);
		}
		const [one, two] = logs as [Y.Doc, Y.Doc];
		const original = { client: editorLog.clientID, clock: 0, len: 1 };
		// To peer 1: a copy at (1, 0) and the original's deletion (a "duplicate" there).
		deliver(asPeerUpdate(craftUpdate([{ client: 1, clock: 0, binary: real }], [original])), one);
		// To peer 2: a copy of another envelope at the same id (1, 0) and the original's deletion.
		deliver(asPeerUpdate(craftUpdate([{ client: 1, clock: 0, binary: other }], [original])), two);
		for (const guard of guards) await guard.settled();

		// The two honest peers now meet and stay connected.
		hostile.link(one, two);
		await new Promise((resolve) => setTimeout(resolve, 1_500));
		for (const guard of guards) await guard.settled();
		const [g1, g2] = guards as [LogGuard, LogGuard];
		const rounds = g1.stats.putBack + g2.stats.putBack;
		const bytesPushed = g2.stats.putBack * real.length;
		for (const guard of guards) guard.destroy();

		// Honest peers should settle after at most a put-back or two; they keep re-sending.
		expect(
			rounds,
			`put-back storm: ${JSON.stringify({ rounds, bytesPushed, copiesRemoved: g1.stats.copiesRemoved + g2.stats.copiesRemoved })}`
		).toBeLessThanOrEqual(2);
	});
});
