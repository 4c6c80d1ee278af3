// A write that failed is acknowledged: KEPT goes out for an update the store refused.
//
// #announceKept waits for `persisted.flushed()` and then sends the doc's state vector. But
// flushed() (src/lib/storage/persist.ts) resolves once every write has *settled*: the chain is
// `pending.then(() => done.then(noop, noop))`, so a rejected append counts as flushed, and while
// the store is failing, updates are not written at all (persist only schedules a whole-state
// retry in 5 s). The KEPT that follows claims the update. A relay that then stops (here: closed
// gracefully, with the store still failing; SIGKILL loses the same) restarts without it.
// protocol.md ("Kept"): "a vector it sends covers only what its store has committed ... a relay
// that dies loses nothing it had acknowledged".
//
// The store's `failing` hook stands in for a full or failing disk (ENOSPC maps to the same
// StoreError('full')).
import { afterEach, describe, expect, it } from 'vitest';
import { createLogDoc } from '../../src/lib/log/log-doc';
import { StoreError } from '../../src/lib/storage/log-store';
import { LevelKeptSpaces, LevelLogStore } from '../level-log-store';
import { Relay } from '../relay';
import { database, runCleanup, startRelay, tick, until } from '../relay-review/harness';
import { committedVector, covers, member, space, vectorOf, writeEntry } from './kept-shared';

afterEach(runCleanup);

describe('KEPT after a failed write', () => {
	it('is not sent for an update the store failed to write', async () => {
		const db = database();
		const { relay, store } = startRelay(db);
		const { cap, relayCap, signer } = await space();
		const alice = createLogDoc();
		const a = member(relay, relayCap, alice, true);
		await until(() => a.session.joined);
		await writeEntry(cap, signer, alice);
		await until(() => a.session.holdsAll()); // the first entry really is kept

		store.inner.failing = new StoreError('full', 'the disk is full');
		await writeEntry(cap, signer, alice);
		await tick(1_000); // ten KEPT periods; the store's retry (5 s) has not run
		const onDisk = await committedVector(db, relayCap.room);
		expect(covers(onDisk, vectorOf(alice))).toBe(false); // the second entry is not on disk

		// What the relay told Alice it keeps:
		const acknowledged = a.kept.at(-1)!.vector;
		// The relay stops (the disk still full) and starts again over the same database.
		a.close();
		await relay.close();
		const restarted = new Relay({ store: new LevelLogStore(db), kept: new LevelKeptSpaces(db) });
		const newcomer = createLogDoc();
		const n = member(restarted, relayCap, newcomer, false);
		await until(() => n.kept.length > 0);
		const held = n.kept[0]!.vector;
		await restarted.close();

		expect(covers(held, acknowledged)).toBe(true); // fails: the acknowledged entry is gone
	});
});
