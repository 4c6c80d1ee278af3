// Presence fan-out has no budget per room or per address: a relay-key holder with a few
// connections makes the relay push more at every member, at once, than the relay's own
// slow-reader allowance — so the relay disconnects the honest members (1013), again on every
// reconnect — and the relay's egress grows with the square of the attacker's connections.
//
// Relay#presence takes a token from the *sending connection's* bucket (burst 40, 20/s) and sends
// the frame (≤ 64 KiB, contents unchecked by the relay) to every other client of the room. One
// address may hold 64 connections (signaling's maxConnectionsPerIp, which gates /relay too), all
// joined to one room. Each honest member then receives K × 40 × 64 KiB at once and K × 1.25 MiB
// every second after, and its tab parses all of it (the guard reads each state before capping).
// relay-server.ts closes a connection with more than BACKLOG (8 MiB) waiting: K = 4 is enough to
// get past it on any real link. The relay sends K × (K - 1 + members) frames per token.
//
// The test counts the bytes the relay hands to one honest member's socket within one second, from
// four connections of one address, against BACKLOG.
import { afterEach, describe, expect, it } from 'vitest';
import * as capability from '../../src/lib/crypto/capability';
import { FRAME, MAX_PRESENCE_BYTES } from '../../src/lib/sync/relay-wire';
import { database, rawClient, runCleanup, startRelay, tick, until } from '../relay-review/harness';

afterEach(runCleanup);

/** relay-server.ts: bytes waiting for a connection before it is closed as too slow. */
const BACKLOG = 8 * 1024 * 1024;

describe('presence fan-out through a relay', () => {
	it('one address cannot queue more than the slow-reader allowance at an honest member', async () => {
		const db = database();
		const { relay } = startRelay(db);
		const cap = capability.toRelay(capability.fromSecret(capability.newSecret()));
		const bob = rawClient(relay, '198.51.100.20');
		bob.join(cap, true);
		await until(() => bob.joined());
		let received = 0;
		const counting = bob.frames.length;
		const K = 4;
		const mallory = Array.from({ length: K }, () => rawClient(relay, '203.0.113.66'));
		for (const m of mallory) m.join(cap);
		await until(() => mallory.every((m) => m.joined()));
		// The largest PRESENCE a relay passes on (64 KiB before the fix, 16 KiB now), an
		// awareness message (type 1).
		const message = new Uint8Array(MAX_PRESENCE_BYTES);
		message[0] = 1;
		const start = Date.now();
		const timer = setInterval(() => {
			for (const m of mallory) m.send({ type: FRAME.presence, message });
		}, 10);
		await tick(1_000);
		clearInterval(timer);
		for (const frame of bob.frames.slice(counting)) {
			if (frame.type === FRAME.presence) received += frame.message.length;
		}
		const seconds = (Date.now() - start) / 1000;
		console.log(
			`bob was sent ${(received / 2 ** 20).toFixed(1)} MiB of presence in ${seconds.toFixed(2)} s; ` +
				`relay passed ${relay.stats.presence} frames`
		);
		expect(relay.stats.presence).toBeGreaterThan(0); // the attack's frames are taken…
		// …but the room's budget bounds what a member is sent: ~15 MiB before the fix.
		expect(received).toBeLessThanOrEqual(1024 * 1024);
		expect(received).toBeLessThanOrEqual(BACKLOG);
	});
});
