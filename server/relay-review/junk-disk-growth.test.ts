// FINDING (high): maxRoomBytes bounds only the *live* envelope bytes (guard.bytes), not what the
// relay writes to disk. Anyone holding a space's relay capability (any viewer; or anyone, for a
// space they create and ask to keep) can push junk up to the quota, wait the guard's pause
// (0.3–1.5 s) until the relay deletes it (live bytes drop back to 0), and push again. Every round
// is appended to LevelDB as a record and never reclaimed: persist() compacts only past 500
// records, and LevelLog.compact merges `Y.mergeUpdates([...records, state])`, which keeps the
// content of the first (undeleted) copy of each item — deleted junk survives compaction too
// (checked: 100 KB pushed then deleted merges to 100,039 bytes; state alone is 37). Between
// compactions a room may hold 500 records × maxRoomBytes (128 GB at the defaults). Disk is
// exhausted without bound by one connection at ~quota bytes/1.5 s; nothing counts it.
// SUGGESTED FIX: bound what a room's records hold, not only its live bytes: track stored bytes
// per room (LevelLog knows each append's size) and compact when they exceed e.g. 2×maxRoomBytes
// or the live bytes by a margin; make compaction drop deleted content (merge so that the
// current state wins — e.g. `Y.mergeUpdates([state, ...records])`, or for a single-writer
// relay room simply write `Y.encodeStateAsUpdate(doc)`); and refuse (room-full) a room whose
// stored bytes are over budget until compacted. The same merge order affects the app's own
// stores (IndexedDB) through persist.ts.
import { afterEach, describe, expect, it } from 'vitest';
import { createLogDoc, logArray } from '../../src/lib/log/log-doc';
import {
	cleanup,
	database,
	newSpace,
	rawClient,
	runCleanup,
	startRelay,
	tick,
	until
} from './harness';

afterEach(runCleanup);

describe('relay disk use', () => {
	it("a space's records on disk stay within a small multiple of maxRoomBytes when junk is pushed and removed over and over", async () => {
		const maxRoomBytes = 512 * 1024;
		const db = database();
		const { relay } = startRelay(db, { maxRoomBytes });
		const { relayCap } = newSpace();
		const attacker = rawClient(relay);
		attacker.join(relayCap, true);
		await until(() => attacker.joined());

		const log = createLogDoc();
		cleanup.push(() => log.destroy());
		const updates: Uint8Array[] = [];
		log.on('update', (update: Uint8Array) => updates.push(update));
		const rounds = 8;
		for (let round = 0; round < rounds; round++) {
			logArray(log).push([new Uint8Array(450 * 1024).fill(round + 1)]);
			attacker.update(updates.shift() as Uint8Array);
			// The relay's guard removes the junk after its pause; live bytes go back to zero.
			await tick(1_700);
		}
		expect(attacker.refused()).not.toContain('room-full'); // each round was within the quota

		let stored = 0;
		for await (const [key, value] of db.iterator()) {
			if (Buffer.from(key).toString('latin1').includes(relayCap.room)) stored += value.length;
		}
		// 8 × 450 KiB = 3.6 MiB written for a space whose quota is 512 KiB and which holds nothing.
		expect(stored).toBeLessThanOrEqual(2 * maxRoomBytes);
	}, 30_000);
});
