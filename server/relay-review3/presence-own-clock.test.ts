// A member with relayKey only (no readKey) makes a victim's presence stop for good, with one
// PRESENCE frame through the relay.
//
// Awareness clocks are outside the seal. The attacker sends, under the *victim's own* client id,
// any state (here `{}`) with clock 2^53 - 1. y-protocols' applyAwarenessUpdate takes it into the
// victim's sealed awareness (clock 2^53 - 1). Presence's #onSealedUpdate handles a state under
// our own id by sealing ours again (#reseal) — which is `setLocalState`, clock = 2^53 - 1 + 1 =
// 2^53 — but it does not undo the clock (its #undo only runs for other client ids). From then on
// every setLocalState computes 2^53 + 1, which is 2^53 in a double: the clock never grows
// again, and receivers (currClock < clock) ignore every later state of the victim: caret, page,
// name, renewals. 30 s later each receiver's awareness times the victim out (its meta clock is
// then 2^53 + 1 = 2^53 too), and the victim is gone for everyone until it reloads.
// checkAwarenessUpdate (peer-message.ts) reads the clock and bounds nothing about it.
//
// Before PRESENCE frames, only a WebRTC peer could do this (the same hole, see README); through
// a relay anyone with relayKey reaches every member at once, without joining the mesh.
// protocol.md ("Presence"): a relay (let alone a relay-key member) "can hide someone's state for
// a few seconds".
import { afterEach, describe, expect, it } from 'vitest';
import * as capability from '../../src/lib/crypto/capability';
import { FRAME } from '../../src/lib/sync/relay-wire';
import { database, rawClient, runCleanup, startRelay, tick, until } from '../relay-review/harness';
import { awarenessMessage, awarenessUpdate, presenceMember } from './shared';

afterEach(runCleanup);

async function setting() {
	const db = database();
	const { relay } = startRelay(db);
	const cap = capability.fromSecret(capability.newSecret());
	const alice = presenceMember(relay, cap, 'Alice');
	await until(() => alice.session.joined);
	const bob = presenceMember(relay, cap, 'Bob');
	await until(() => bob.session.joined);
	await until(() => alice.sees('Bob') !== null && bob.sees('Alice')?.page === 'home');
	return { relay, cap, alice, bob };
}

const movesTo = async (
	alice: Awaited<ReturnType<typeof setting>>['alice'],
	bob: Awaited<ReturnType<typeof setting>>['bob'],
	page: string
) => {
	alice.presence.setLocal({ user: { name: 'Alice', color: '#123456' }, page, role: 'edit' });
	try {
		await until(() => bob.sees('Alice')?.page === page, 1_500);
		return true;
	} catch {
		return false;
	}
};

describe('presence: a state under the victim’s own id with the largest clock', () => {
	it('control: without the attack, Bob follows Alice from page to page', async () => {
		const { alice, bob } = await setting();
		expect(await movesTo(alice, bob, 'p1')).toBe(true);
		expect(await movesTo(alice, bob, 'p2')).toBe(true);
	});

	it('one frame from a relay-key holder freezes Alice for everyone', async () => {
		const { relay, cap, alice, bob } = await setting();
		// The attacker: a relay key only (it cannot seal or open presence).
		const mallory = rawClient(relay);
		mallory.join(capability.toRelay(cap));
		await until(() => mallory.joined());
		const victim = alice.presence.sealed.clientID;
		mallory.send({
			type: FRAME.presence,
			message: awarenessMessage(awarenessUpdate([[victim, Number.MAX_SAFE_INTEGER, '{}']]))
		});
		// And one within the bound on clocks (2^32): taken, but it must not become Alice's clock.
		mallory.send({
			type: FRAME.presence,
			message: awarenessMessage(awarenessUpdate([[victim, 2 ** 32 - 1, '{}']]))
		});
		await tick(200);
		// Before the fix, Alice's own clock went past 2^53 - 1 and could no longer grow. Now the
		// first frame is refused and the second leaves her on her own clock (plus one).
		expect(alice.presence.sealed.meta.get(victim)!.clock).toBeLessThan(1_000);

		// Alice moves on; Bob should follow. Fails: every later state of Alice is ignored.
		const first = await movesTo(alice, bob, 'p1');
		const second = await movesTo(alice, bob, 'p2');
		expect([first, second]).toEqual([true, true]);
	});
});
