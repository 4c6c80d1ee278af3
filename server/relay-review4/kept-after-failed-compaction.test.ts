// FINDING (medium): on a node of a service, KEPT acknowledges an update the node never wrote.
//
// HOW: persist() (src/lib/storage/persist.ts) treats a node update (origin `storedBy`, applied
// by Relay#fromNode) as committed: `committedVector = Y.encodeStateVector(doc)` once the writes
// before it have landed, unless `broken`. That vector is the whole doc's — it includes this
// node's own members' updates that were never written. They are not written while `failing`
// (onUpdate only plans the whole-state retry, 5 s later), and a failed *compaction* sets
// `failing` without `broken` (`stored.compact(...).catch(fail)`). So: node 2's compaction fails
// once (its Redis connection blinks — commands fail at once with enableOfflineQueue: false);
// Bob, on node 2, sends U (not written, waiting for the retry); Alice, on node 1, writes
// anything; node 2 applies it from the bus and its next KEPT tells Bob the relay holds U. If
// node 2 dies before the retry, U is gone though acknowledged ("a node that dies loses no
// acknowledged update"), and Bob, told it is kept, does not send it again. Only a node with a
// bus takes this path (one relay alone never applies `storedBy` updates).
// The test fails node 2's compaction once (a LogStore wrapper; maxRoomBytes 64 KiB, so node 2
// compacts after 32 KiB of writes), then checks that every KEPT Bob was sent is held by Redis.
//
// SUGGESTED FIX: in persist, a `storedBy` update must advance committedVector by what *it*
// brought, not to the doc's whole vector: keep committedVector as a map and merge in the
// update's own state vector (Y.encodeStateVectorFromUpdate) — or, simpler, treat `failing` like
// `broken` (nothing counts as committed from a failure, compaction included, until a whole-state
// save lands).
import nacl from 'tweetnacl';
import { afterEach, describe, expect, it } from 'vitest';
import * as envelope from '../../src/lib/crypto/envelope';
import { logArray } from '../../src/lib/log/log-doc';
import { StoreError } from '../../src/lib/storage/log-store';
import { runCleanup, tick, until } from '../relay-review/harness';
import { covers, vectorOf, writeEntry } from '../relay-review2/kept-shared';
import type { RedisLogStore } from '../redis-log-store';
import {
	aliceAndBob,
	redisMissing,
	serviceNode,
	serviceRedis,
	storedLog,
	wrappedStore
} from './shared';

afterEach(runCleanup);

/** Node 2's store: its next compaction fails (the connection blinked), once. */
const flaky = { failNext: false, failed: 0 };
const flakyCompaction = (store: RedisLogStore) =>
	wrappedStore(store, (log) => ({
		compact: async (state) => {
			if (flaky.failNext) {
				flaky.failNext = false;
				flaky.failed++;
				throw new StoreError('failed', 'Connection is closed.');
			}
			return log.compact(state);
		}
	}));

describe.skipIf(redisMissing !== null)(
	'relay service: KEPT from a node whose compaction failed',
	() => {
		it('every KEPT a member on node 2 is sent is held in Redis', async () => {
			const redis = await serviceRedis(true);
			const one = await serviceNode(redis.url);
			const two = await serviceNode(redis.url, {
				maxRoomBytes: 64 * 1024,
				wrapStore: flakyCompaction
			});
			const { cap, relayCap, signer, aliceLog, bobLog, bob } = await aliceAndBob(one, two);

			// Bob writes 2 × 20 KB: node 2 compacts after that (32 KiB grown), and it fails once.
			flaky.failNext = true;
			for (let i = 0; i < 2; i++) {
				const sealed = await envelope.seal(
					cap,
					signer,
					envelope.KIND_UPDATE,
					nacl.randomBytes(20_000)
				);
				logArray(bobLog).push([sealed]);
			}
			await until(() => flaky.failed === 1);
			await tick(200);

			// Bob writes U: node 2 is failing, so U waits for the whole-state retry (5 s)…
			await writeEntry(cap, signer, bobLog);
			const withU = vectorOf(bobLog);
			await tick(300);
			// (Node 2 alone does not claim U: its KEPTs so far stop short of it.)
			expect(covers(bob.kept.at(-1)!.vector, withU)).toBe(false);
			// …and Alice writes something on node 1, which node 2 applies from the bus.
			await writeEntry(cap, signer, aliceLog);
			await tick(600); // several KEPT periods, well before the retry

			const inRedis = vectorOf((await storedLog(redis.url, relayCap.room))!);
			const last = bob.kept.at(-1)!.vector;
			const claimsU = covers(last, withU);
			console.log(`Bob's last KEPT covers U: ${claimsU}; Redis holds U: ${covers(inRedis, withU)}`);
			// Today: the KEPT covers U, which Redis does not hold (a node dying now loses it).
			expect(covers(inRedis, last)).toBe(true);
		}, 30_000);
	}
);
