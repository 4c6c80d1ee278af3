// FINDING (high): a node that loads a room misses, for as long as it holds the room, every update
// another node stores while it is loading — and, since each later entry of that writer chains to
// the missed one, everything that writer sends after.
//
// HOW: Relay#load reads the room's whole log from Redis (persist → RedisLog.load, an LRANGE),
// applies it, and only then subscribes the room's bus channel (`bus.join(room)`, a SUBSCRIBE sent
// without waiting); and fromNode() drops whatever arrives before the room is in #loaded, which
// happens only after createVerifier and guard.start() (guard.start verifies every envelope of
// the log: the bigger the space, the longer). An update node 1 stores in that window is in
// neither the load nor the bus: node 2 never has it. Nothing repairs it: node 2's KEPT is its own
// doc's committed vector, so its members never learn the relay holds more. And Yjs cannot place
// the writer's next entries (their origin is the missed one); the log doc drops what it cannot
// place after each transaction (createLogDoc), so node 2 drops them too, for as long as anyone
// stays in the room on node 2. Nobody needs to attack: Bob opening the space (landing on node 2)
// while Alice types on node 1 is enough; a big log widens the window to seconds.
// The test holds node 2's load for 300 ms after its read (a busy node applying a big log) so the
// timing is deterministic: Alice's entry written meanwhile, and the two she writes after Bob has
// joined, never reach Bob. Without the hold the same loss happens whenever an entry lands in the
// (shorter) window.
//
// SUGGESTED FIX: subscribe first and buffer: join the bus channel (and wait for the SUBSCRIBE
// reply) before reading the log, queue node messages for a room that is still loading and apply
// them once it is loaded (Yjs is idempotent); better still, make the bus a hint, not the data:
// publish "room R grew" (with the list length / compaction epoch) and have each node read the
// records it has not seen from the Redis list, so a missed or early message is caught up by the
// next one. Also re-read the tail when an applied node update leaves pending structs (a gap).
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createLogDoc, logArray } from '../../src/lib/log/log-doc';
import { cleanup, runCleanup, tick, until } from '../relay-review/harness';
import { member, space, writeEntry } from '../relay-review2/kept-shared';
import type { RedisLogStore } from '../redis-log-store';
import { redisMissing, serviceNode, serviceRedis, storedLog, wrappedStore } from './shared';

afterEach(runCleanup);

/** Node 2's store: a load returns only once `slow.hold` has passed (it had read everything first). */
const slow: { hold: Promise<void> | null } = { hold: null };
const slowLoad = (store: RedisLogStore) =>
	wrappedStore(store, (log) => ({
		load: async () => {
			const loaded = await log.load();
			await slow.hold;
			return loaded;
		}
	}));

describe.skipIf(redisMissing !== null)('relay service: a node loading a room', () => {
	it('a member joining on node 2 gets every entry written on node 1, however the join and the writes interleave', async () => {
		const redis = await serviceRedis();
		const one = await serviceNode(redis.url);
		const two = await serviceNode(redis.url, {
			wrapStore: slowLoad
		});
		const { cap, relayCap, signer } = await space();

		const aliceLog = createLogDoc();
		cleanup.push(() => aliceLog.destroy());
		const alice = member(one.relay, relayCap, aliceLog, true);
		await until(() => alice.kept.length > 0);
		await writeEntry(cap, signer, aliceLog);
		await until(() => one.relay.stats.updates >= 1);
		await tick(200);

		// Bob opens the space and lands on node 2, which reads the log and is slow to apply it.
		let release = () => {};
		slow.hold = new Promise<void>((resolve) => (release = resolve));
		const bobLog = createLogDoc();
		cleanup.push(() => bobLog.destroy());
		const bob = member(two.relay, relayCap, bobLog, false);
		await tick(100);
		// Meanwhile Alice types on node 1: stored in Redis, and published to the other nodes.
		await writeEntry(cap, signer, aliceLog);
		let stored = 0;
		const end = Date.now() + 5_000;
		while (stored < 2 && Date.now() < end) {
			stored = logArray((await storedLog(redis.url, relayCap.room)) ?? new Y.Doc()).length;
			await tick(20);
		}
		expect(stored).toBe(2); // the second entry is in Redis
		slow.hold = null;
		release();
		await until(() => bob.kept.length > 0 && logArray(bobLog).length >= 1);

		// Alice goes on typing, Bob now joined on node 2 (its channel subscribed).
		await tick(300);
		await writeEntry(cap, signer, aliceLog);
		await writeEntry(cap, signer, aliceLog);
		await tick(100);
		let everything = false;
		try {
			await until(() => logArray(bobLog).length === 4, 8_000);
			everything = true;
		} catch {
			// reason: measured below
		}
		console.log(
			`Redis holds ${logArray((await storedLog(redis.url, relayCap.room)) as Y.Doc).length} entries; Bob on node 2 has ${logArray(bobLog).length}; node 2 applied ${two.relay.stats.fromNodes} node updates`
		);
		// Today: Bob has 1 of 4 (the entry written during node 2's load, and the two chained to it,
		// never reach him), while Redis holds all 4.
		expect(everything).toBe(true);
	}, 30_000);
});
