// A steady stream of updates keeps KEPT from ever going out, for everyone in the room.
//
// #announceKept sets one timer per room; when it fires it waits for `persisted.flushed()`,
// which loops until no write is pending (src/lib/storage/persist.ts), and only then clears the
// timer and sends the vector. While updates keep arriving faster than a commit takes, there is
// always a newer write pending, flushed() never resolves, the room's single timer slot stays
// taken, and no member is told anything is kept — however long ago its own entry was written.
// Anyone with relayKey can make that stream (junk entries: the relay takes each, writes it,
// then removes it and writes the removal), and a busy room does it honestly when commits are
// slow (DATA_SYNC=1's fsync). protocol.md ("Kept"): "After the relay's store has committed what
// it received ... it sends KEPT"; the relay "sends at most one per room every 100 ms".
//
// The store's commitMs hook (30 ms) stands in for an fsync; the stream is one update per 10 ms.
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createLogDoc, logArray } from '../../src/lib/log/log-doc';
import { database, rawClient, runCleanup, startRelay, until } from '../relay-review/harness';
import { covers, member, space, vectorOf, writeEntry } from './kept-shared';

afterEach(runCleanup);

const STREAM_MS = 4_000;

describe('KEPT under a steady stream of updates', () => {
	it('still tells a member its entry is kept within a second', async () => {
		const db = database();
		const { relay, store } = startRelay(db);
		const { cap, relayCap, signer } = await space();
		const alice = createLogDoc();
		const a = member(relay, relayCap, alice, true);
		await until(() => a.session.joined);
		store.inner.commitMs = 30;

		// Mallory holds relayKey (a b1 link) and streams junk entries, one per 10 ms.
		const mallory = rawClient(relay, '192.0.2.66');
		mallory.join(relayCap);
		await until(() => mallory.joined());
		const junk = new Y.Doc();
		junk.on('update', (update: Uint8Array) => mallory.update(update));
		const random = seeded(7);
		const stream = setInterval(() => {
			logArray(junk).push([Uint8Array.from({ length: 80 }, () => random() & 0xff)]);
		}, 10);
		const stop = () => clearInterval(stream);
		setTimeout(stop, STREAM_MS);

		const written = performance.now();
		await writeEntry(cap, signer, alice);
		const mine = vectorOf(alice);
		await until(() => a.kept.some((k) => covers(k.vector, mine)), STREAM_MS + 5_000);
		stop();
		const first = a.kept.find((k) => covers(k.vector, mine))!;
		const waited = first.at - written;
		expect(mallory.refused()).toEqual([]); // nothing Mallory sent was refused
		expect(waited).toBeLessThan(1_000); // fails: about STREAM_MS, once the stream stops
	}, 15_000);
});

/** xorshift32, for reproducible junk. */
function seeded(seed: number) {
	let x = seed >>> 0 || 1;
	return () => {
		x ^= x << 13;
		x ^= x >>> 17;
		x ^= x << 5;
		return x >>> 0;
	};
}
