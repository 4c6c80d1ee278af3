// FINDING (low): a node reads back from Redis what it wrote itself, and after each of its own
// compactions the room's whole compacted state: at the next sweep (or the next GREW from anyone),
// even in a room no other node writes to.
//
// HOW: `room.seen` advances only in `#catchUp` (reads), never with the node's own appends, and
// the bus does not deliver a node's own GREW to it. So every read (each other node's GREW, the
// 30 s sweep) starts at the position of this node's last read and returns every record this node
// appended since, which it already has (the doc applies them again as no-ops, after
// `isUpdateRecord` has fully decoded each). A compaction puts its merged record (the whole state)
// at the position of the last record it replaced, which the compacting node has usually not
// "seen": its next read returns the whole room. With N nodes holding a busy room, each compaction
// is read back whole by every node that had not read the last replaced record, the compacting one
// included; anyone can trigger compactions with 500 small updates (junk the guard then removes).
// Bounded (about one extra whole-room read and decode per node per compaction, and each record
// read twice), but it is pure waste, on the relay's largest rooms. The test: one node, Alice
// alone writes 520 entries (a compaction at 500), then the sweep: the node must read nothing back.
//
// SUGGESTED FIX: advance `seen` with the node's own appends when they are contiguous with it
// (APPEND returns the position; if `end − 1 === seen`, seen = end), and after the node's own
// compaction set `seen` to at least the merged record's position + 1 when it had seen everything
// before the records it replaced (COMPACT can return the merged position).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogDoc } from '../../src/lib/log/log-doc';
import { cleanup, runCleanup, tick, until } from '../relay-review/harness';
import { member, space, writeEntry } from '../relay-review2/kept-shared';
import { redisMissing, serviceNode, serviceRedis, wrappedStore } from '../relay-review4/shared';

afterEach(async () => {
	vi.useRealTimers();
	await runCleanup();
});

describe.skipIf(redisMissing !== null)('relay service: what a node reads back', () => {
	it('a room only this node writes is not read back from Redis at the sweep', async () => {
		vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
		const redis = await serviceRedis();
		let readBack = 0;
		let records = 0;
		const one = await serviceNode(redis.url, {
			wrapStore: (store) =>
				wrappedStore(store, (log) => ({
					readFrom: async (position: number) => {
						const read = await log.readFrom(position);
						records += read.updates.length;
						readBack += read.updates.reduce((sum, update) => sum + update.length, 0);
						return read;
					}
				}))
		});
		await serviceNode(redis.url); // a second node of the service, not in this room
		const { cap, relayCap, signer } = await space();
		const aliceLog = createLogDoc();
		cleanup.push(() => aliceLog.destroy());
		const alice = member(one.relay, relayCap, aliceLog, true);
		await until(() => alice.kept.length > 0);
		for (let i = 0; i < 520; i++) {
			await writeEntry(cap, signer, aliceLog);
			if (i % 50 === 49) await tick(50);
		}
		await until(() => one.relay.stats.updates >= 520, 20_000);
		await tick(500);
		const before = { readBack, records };
		vi.advanceTimersByTime(30_000); // the sweep
		await tick(1_000);
		console.log(
			`the sweep read back ${records - before.records} record(s), ${readBack - before.readBack} bytes, of this node's own writes (fromNodes ${one.relay.stats.fromNodes})`
		);
		expect(readBack - before.readBack).toBe(0);
	}, 60_000);
});
