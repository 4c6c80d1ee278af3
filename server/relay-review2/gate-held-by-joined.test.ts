// A hostile relay holds a newcomer's first sync for as long as it likes, across every other
// way in (honest relays, WebRTC peers), by sending JOINED again every few seconds.
//
// The space's transports share one FirstSyncGate (first-sync-gate.ts). RelaySession answers
// every JOINED with a step 1 through `gate.outgoing(this, …)`; when the session is already the
// outstanding channel, `outgoing` calls `#begin` again, which restarts the overdue timer. So a
// relay that never answers but repeats JOINED before the timer fires stays "outstanding"
// forever, and every other relay's (and peer's) step 1 waits behind it. protocol.md: "If an
// answer has not come 10 s after its step 1, every waiting step 1 goes out at once and the peer
// stops waiting (silent peers must not hold a newcomer 10 s each)". A relay session has no
// other way to ask again (no resync), so the newcomer never gets the honest relay's history.
//
// The gate here is the app's class with its timeout shortened to 1 s (logGate uses 10 s) so
// the test is fast; the hostile relay repeats JOINED every 0.8 s instead of every 9 s.
import nacl from 'tweetnacl';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import * as capability from '../../src/lib/crypto/capability';
import * as envelope from '../../src/lib/crypto/envelope';
import { createSigner } from '../../src/lib/crypto/signing';
import { createLogDoc, logArray } from '../../src/lib/log/log-doc';
import { FirstSyncGate, step1 } from '../../src/lib/sync/first-sync-gate';
import { RelaySession } from '../../src/lib/sync/relay-session';
import { encodeFrame, FRAME } from '../../src/lib/sync/relay-wire';
import { Relay } from '../relay';
import { database, runCleanup, cleanup, startRelay, tick, until } from '../relay-review/harness';

afterEach(runCleanup);

const GATE_MS = 1_000;

/** The app's relay session on `log`, talking to an in-process relay. */
function connect(
	relay: Relay,
	cap: capability.RelayCapability,
	log: Y.Doc,
	keep: boolean,
	gate?: FirstSyncGate
) {
	let closed = false;
	let toRelay: ((bytes: Uint8Array) => void) | null = null;
	const session = new RelaySession({
		log,
		cap,
		keep,
		send: (bytes) => queueMicrotask(() => !closed && toRelay?.(bytes)),
		...(gate === undefined ? {} : { gate })
	});
	const side = relay.connect(
		{
			send: (bytes) => queueMicrotask(() => !closed && session.receive(bytes)),
			close: () => queueMicrotask(() => (closed = true))
		},
		'198.51.100.4'
	);
	toRelay = side.receive;
	cleanup.push(() => {
		closed = true;
		side.close();
		session.destroy();
	});
	return session;
}

/** An honest relay keeping a space of three signed entries. */
async function honestRelayWithSpace() {
	const { relay } = startRelay(database());
	const cap = capability.fromSecret(capability.newSecret());
	const relayCap = capability.toRelay(cap);
	const signer = await createSigner(cap.signSeed);
	const owner = createLogDoc();
	const session = connect(relay, relayCap, owner, true);
	await until(() => session.joined);
	for (let i = 0; i < 3; i++) {
		const sealed = await envelope.seal(cap, signer, envelope.KIND_UPDATE, nacl.randomBytes(64));
		logArray(owner).push([sealed]);
	}
	await until(() => session.holdsAll());
	return { relay, relayCap };
}

/** A relay that takes the proof and then only ever says JOINED (never answers a step 1). */
function hostileRelay(cap: capability.RelayCapability, log: Y.Doc, gate: FirstSyncGate) {
	const session = new RelaySession({ log, cap, keep: false, send: () => {}, gate });
	cleanup.push(() => session.destroy());
	session.receive(encodeFrame({ type: FRAME.challenge, nonce: new Uint8Array(32).fill(1) }));
	session.receive(encodeFrame({ type: FRAME.joined }));
	return session;
}

describe('one first sync across transports: a relay that repeats JOINED', () => {
	it('control: a hostile relay that stays silent holds the newcomer one gate period only', async () => {
		const { relay, relayCap } = await honestRelayWithSpace();
		const log = createLogDoc();
		const gate = new FirstSyncGate(() => step1(log), GATE_MS);
		cleanup.push(() => gate.destroy());
		hostileRelay(relayCap, log, gate); // joined first: its step 1 is the outstanding one
		connect(relay, relayCap, log, false, gate);
		await until(() => logArray(log).length === 3, 4 * GATE_MS);
	});

	it('holds it forever by sending JOINED again before the gate gives up on it', async () => {
		const { relay, relayCap } = await honestRelayWithSpace();
		const log = createLogDoc();
		const gate = new FirstSyncGate(() => step1(log), GATE_MS);
		cleanup.push(() => gate.destroy());
		const hostile = hostileRelay(relayCap, log, gate);
		connect(relay, relayCap, log, false, gate);
		const again = setInterval(
			() => hostile.receive(encodeFrame({ type: FRAME.joined })),
			0.8 * GATE_MS
		);
		cleanup.push(() => clearInterval(again));
		// Eight gate periods later the honest relay has still not been asked for its history.
		await tick(8 * GATE_MS);
		expect(gate.waiting).toBe(0); // fails: 1 (the honest relay's step 1, held)
		expect(logArray(log).length).toBe(3); // fails: 0
	}, 15_000);
});
