// The KEPT a relay sends on joining claims updates its store has not committed.
//
// Relay#join ends with `KEPT(Y.encodeStateVector(joined.doc))`, straight from the live doc,
// without waiting for the store (the periodic KEPT waits for persisted.flushed(); this one does
// not). An update another member sent a moment before is in the doc at once but on disk only
// once its batch is written (group commit: on the next turn, then the write, then an fsync with
// DATA_SYNC=1). A member joining in that window is told the relay keeps it. protocol.md
// ("Kept"): "a vector it sends covers only what its store has committed ... a relay that dies
// loses nothing it had acknowledged"; threat model #33: "kept is sent only after the store
// committed".
//
// The store's commitMs hook stands in for a slow disk (or fsync); 300 ms makes the window wide
// enough to hit every time.
import { afterEach, describe, expect, it } from 'vitest';
import { createLogDoc } from '../../src/lib/log/log-doc';
import { database, runCleanup, startRelay, until } from '../relay-review/harness';
import { committedVector, covers, member, space, vectorOf, writeEntry } from './kept-shared';

afterEach(runCleanup);

describe('KEPT on joining', () => {
	it('never claims what the store has not committed', async () => {
		const db = database();
		const { relay, store } = startRelay(db);
		const { cap, relayCap, signer } = await space();
		const alice = createLogDoc();
		const a = member(relay, relayCap, alice, true);
		await until(() => a.session.joined);
		await until(() => a.kept.length > 0);

		store.inner.commitMs = 300;
		await writeEntry(cap, signer, alice);
		// Alice's second device (or anyone holding the entry) joins while it is being written.
		const second = createLogDoc();
		const b = member(relay, relayCap, second, false);
		await until(() => b.kept.length > 0);
		const claimed = b.kept[0]!.vector;
		const onDisk = await committedVector(db, relayCap.room);

		// Before the fix the relay claimed the entry here, while it was not on disk yet.
		expect(covers(onDisk, claimed)).toBe(true);
		// Once it lands, the joiner is told (the next KEPT), and it is on disk by then.
		await until(() => b.kept.some((k) => covers(k.vector, vectorOf(alice))));
		expect(covers(await committedVector(db, relayCap.room), vectorOf(alice))).toBe(true);
	});
});
