// One relay-key holder silences everyone's presence through a relay, with one small frame every
// 30 s.
//
// A RelaySession checks PRESENCE with a PeerGuard (peer-guard.ts), whose caps are per
// connection: at most MAX_CONNECTION_STATES (256) distinct client ids held, each for 30 s after
// it was last seen. Over WebRTC a connection is one peer, so a hostile peer fills only its own
// budget. Through a relay, one connection carries the whole room: the attacker's junk states
// (any JSON object; the guard counts them before Presence refuses them as unreadable) fill the
// budget that every honest member's presence shares. Anyone who arrives afterwards is refused
// ('presence-flood') by every member already there, for as long as the attacker renews its
// states (one ~4 KB frame per 30 s, far under the relay's 20/s).
//
// protocol.md ("Relays", "Presence."): a client checks PRESENCE "exactly as it checks presence
// from a WebRTC peer (per-connection caps ...)"; threat model #42 counts these caps as the
// defence against floods. They are the wrong unit for a relay connection.
import { afterEach, describe, expect, it } from 'vitest';
import * as capability from '../../src/lib/crypto/capability';
import { MAX_CONNECTION_STATES } from '../../src/lib/sync/peer-guard';
import { FRAME } from '../../src/lib/sync/relay-wire';
import { database, rawClient, runCleanup, startRelay, tick, until } from '../relay-review/harness';
import { awarenessMessage, awarenessUpdate, presenceMember } from './shared';

afterEach(runCleanup);

async function run(attack: boolean) {
	const db = database();
	const { relay } = startRelay(db);
	const cap = capability.fromSecret(capability.newSecret());
	const alice = presenceMember(relay, cap, 'Alice');
	await until(() => alice.session.joined);
	if (attack) {
		const mallory = rawClient(relay);
		mallory.join(capability.toRelay(cap));
		await until(() => mallory.joined());
		// 256 made-up people, one tiny JSON object each: ~4 KB in one frame.
		const junk: Array<[number, number, string]> = [];
		for (let i = 0; i < MAX_CONNECTION_STATES; i++) junk.push([1_000_000 + i, 1, '{"x":1}']);
		mallory.send({ type: FRAME.presence, message: awarenessMessage(awarenessUpdate(junk)) });
		await tick(100);
	}
	// Bob arrives (a colleague opening the space; WebRTC blocked, so through the relay).
	const bob = presenceMember(relay, cap, 'Bob');
	await until(() => bob.session.joined);
	try {
		await until(() => alice.sees('Bob') !== null, 2_000);
	} catch {
		// not seen
	}
	return { seen: alice.sees('Bob') !== null, dropped: alice.dropped };
}

describe('presence through a relay: per-connection caps shared by the whole room', () => {
	it('control: Alice sees Bob arrive', async () => {
		expect((await run(false)).seen).toBe(true);
	});

	it('a relay-key holder’s 256 junk states keep Alice from ever seeing Bob', async () => {
		const { seen, dropped } = await run(true);
		// Before the fix, Alice's session refused Bob's state (and each renewal) as a flood. Now
		// the junk stops counting once presence has refused it.
		expect(dropped).not.toContain('presence-flood');
		expect(seen).toBe(true);
	});
});
