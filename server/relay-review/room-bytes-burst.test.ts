// FINDING (high): maxRoomBytes is checked against `room.guard.bytes`, which the LogGuard only
// updates after it has verified an entry (asynchronously, after WebCrypto). Updates that arrive
// back to back (one WebSocket read delivers many frames) are all checked against the same stale
// figure, so a burst of updates each just under the quota is accepted whole: the relay's doc,
// the frames it forwards and its LevelDB hold many times maxRoomBytes. Anyone can do it (keep a
// fresh space of their own, or hold any space's relay capability); with the default 64 MiB
// maxPayload, a handful of frames puts gigabytes in the relay's memory (the doc, the re-encoded
// update, the forwarded copies, update.slice() in the store) — an out-of-memory crash.
// SUGGESTED FIX: count the bytes synchronously in Relay#sync before applying — e.g. keep a
// per-room `pendingBytes` (message.length added when accepted, subtracted once the guard has
// indexed it) or compute logBytes of what the update adds — and check `guard.bytes + pending +
// message.length` against maxRoomBytes; also rate-limit SYNC frames per connection ('rate' is a
// refusal code nobody sends).
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

describe('relay room quota under a burst', () => {
	it('never stores more than maxRoomBytes of one space, however fast the updates come', async () => {
		const maxRoomBytes = 1024 * 1024;
		const { relay, store } = startRelay(database(), { maxRoomBytes });
		const { relayCap } = newSpace();
		const attacker = rawClient(relay);
		attacker.join(relayCap, true);
		await until(() => attacker.joined());

		// The attacker's own log doc: each push appends after the last (the shape peers accept).
		const log = createLogDoc();
		const updates: Uint8Array[] = [];
		log.on('update', (update: Uint8Array) => updates.push(update));
		for (let i = 0; i < 20; i++) logArray(log).push([new Uint8Array(200 * 1024).fill(i)]);
		cleanup.push(() => log.destroy());
		// All at once, as one TCP read would deliver them.
		for (const update of updates) attacker.update(update);
		await tick(200);

		// 20 × 200 KiB = 4 MiB offered against a 1 MiB quota: the store must not have been asked
		// to hold more than the quota (today: all 4 MiB, and no refusal at all) ...
		expect(store.appendedBytes).toBeLessThanOrEqual(maxRoomBytes + 64 * 1024);
		// ... and most of the burst is refused.
		const refused = attacker.refused();
		expect(refused.filter((code) => code === 'room-full').length).toBeGreaterThanOrEqual(15);
	});
});
