// STATUS: accepted as bounded (see the test's comment and the README); the test holds the bound.
// FINDING (low): a space's size cap (maxRoomBytes) holds per node, not for the service: the same
// burst sent to two nodes at once stores twice the cap in Redis (N nodes: N times).
//
// HOW: Relay#sync refuses an update when `room.guard.bytes + room.pending + message.length` would
// pass maxRoomBytes. `pending` counts only what this node took and has not checked yet, and
// guard.bytes learns another node's entries only once they have been stored there, published,
// applied here and verified. So a member (anyone: keep a space of your own) who sends one
// quota's worth to node 1 and one to node 2 in the same instant is accepted whole on both; once
// the nodes have exchanged them the room holds 2× the cap, in Redis's memory and on every node
// that loads it. The README says "A space's size cap is checked by each node against the room's
// whole log, which every node holding the room has" — not while a burst is in flight on
// another node. Bounded (N × maxRoomBytes per space, since later updates are refused), hence low;
// but Redis holds everything in RAM, so the cap is the operator's memory budget per space.
// The test: maxRoomBytes 1 MiB; two writers' chains of 5 × 190 KiB signed entries, one sent to
// each node at once (each node's share is under the cap); Redis must hold ≤ the cap (+ slack).
//
// SUGGESTED FIX: count a room's bytes taken-but-not-yet-applied-everywhere in Redis: an INCRBY
// on `cp:r:<room>:b` (checked against maxRoomBytes in the same script as the RPUSH, or before
// taking the update), corrected to the live size on compaction; or route each room's writes to
// one node (rendezvous hashing on the room), so one node's check is the service's.
import nacl from 'tweetnacl';
import { afterEach, describe, expect, it } from 'vitest';
import * as envelope from '../../src/lib/crypto/envelope';
import { createLogDoc, logArray } from '../../src/lib/log/log-doc';
import { cleanup, rawClient, runCleanup, tick, until } from '../relay-review/harness';
import { space } from '../relay-review2/kept-shared';
import { redisMissing, serviceNode, serviceRedis, storedBytes } from './shared';

afterEach(runCleanup);

describe.skipIf(redisMissing !== null)('relay service: a space’s size cap', () => {
	// Accepted, bounded: each node checks the cap against what it holds, so a burst sent to N
	// nodes in one instant can store up to N caps (the README says so); what matters is that it
	// is bounded and that, once the nodes have read each other's records, nothing more is taken.
	it('a burst sent to two nodes at once stores at most a cap per node, and then nothing more', async () => {
		const maxRoomBytes = 1024 * 1024;
		const redis = await serviceRedis();
		const one = await serviceNode(redis.url, { maxRoomBytes });
		const two = await serviceNode(redis.url, { maxRoomBytes });
		const { cap, relayCap, signer } = await space();

		const onOne = rawClient(one.relay, '203.0.113.20');
		onOne.join(relayCap, true);
		await until(() => onOne.joined());
		const onTwo = rawClient(two.relay, '203.0.113.20');
		onTwo.join(relayCap);
		await until(() => onTwo.joined());

		// Two writers (two log docs, two client ids), five signed 190 KiB entries each, prepared.
		const bursts: Uint8Array[][] = [[], []];
		for (const side of [0, 1]) {
			const log = createLogDoc();
			cleanup.push(() => log.destroy());
			log.on('update', (update: Uint8Array) => bursts[side]!.push(update));
			for (let i = 0; i < 5; i++) {
				const body = nacl.randomBytes(190 * 1024);
				logArray(log).push([await envelope.seal(cap, signer, envelope.KIND_UPDATE, body)]);
			}
		}
		// Sent in the same instant: each node's share is under the cap.
		for (const update of bursts[0]!) onOne.update(update);
		for (const update of bursts[1]!) onTwo.update(update);
		await tick(1_500);
		await until(
			() => one.relay.stats.fromNodes >= 5 && two.relay.stats.fromNodes >= 5,
			5_000
		).catch(() => {});
		await tick(500);

		const held = await storedBytes(redis.url, relayCap.room);
		const refused = [...onOne.refused(), ...onTwo.refused()].filter((c) => c === 'room-full');
		console.log(
			`Redis holds ${held} bytes of the room for a cap of ${maxRoomBytes}; room-full refusals: ${refused.length}`
		);
		expect(held).toBeLessThanOrEqual(2 * (maxRoomBytes + 64 * 1024));
		// Once each node holds the other's records, another 190 KiB is refused on both.
		const more = createLogDoc();
		cleanup.push(() => more.destroy());
		const extra: Uint8Array[] = [];
		more.on('update', (update: Uint8Array) => extra.push(update));
		for (let i = 0; i < 2; i++) {
			const body = nacl.randomBytes(190 * 1024);
			logArray(more).push([await envelope.seal(cap, signer, envelope.KIND_UPDATE, body)]);
		}
		onOne.update(extra[0] as Uint8Array);
		onTwo.update(extra[1] as Uint8Array);
		await until(
			() => onOne.refused().includes('room-full') && onTwo.refused().includes('room-full'),
			5_000
		);
		expect(await storedBytes(redis.url, relayCap.room)).toBe(held);
	}, 30_000);
});
