// Review 2's finding 3 (KEPT after a failed write), fixed incompletely: updates that arrive while
// persist's whole-state retry is being written are never written, and the next update's KEPT
// covers them.
//
// persist.ts: after a failed write, `failing` is set and onUpdate writes nothing (it only plans
// `retry ??= setTimeout(saveAll, 5 s)`). saveAll writes the whole state and clears `failing` only
// when that write lands. An update U that arrives while the whole-state write is in flight is
// therefore not written, and plans a retry; when the write lands `failing` is cleared, and the
// planned retry then returns at once (`if (!failing) return`). U is in the doc but in no record.
// The next update V is appended with `Y.encodeStateVector(doc)` — a vector that includes U — so
// once V lands `committedVector` covers U, and the relay sends KEPT for it. On restart, U is gone
// (and V with it: V's item follows U's, so Yjs holds it pending and the log doc drops it).
// Nothing writes U later, short of a compaction (500 records or maxRoomBytes / 2 written).
//
// protocol.md ("Kept"): a vector "covers only what its store has committed ... never past a write
// that failed until a whole-state write succeeds ... a relay that dies loses nothing it had
// acknowledged". The store's hooks stand in for a disk that is full for a moment (`failing`)
// and then slow (`commitMs`: an fsync with DATA_SYNC=1 under load).
import nacl from 'tweetnacl';
import { afterEach, describe, expect, it } from 'vitest';
import * as envelope from '../../src/lib/crypto/envelope';
import { createLogDoc, logArray } from '../../src/lib/log/log-doc';
import { StoreError } from '../../src/lib/storage/log-store';
import { LevelKeptSpaces, LevelLogStore } from '../level-log-store';
import { Relay } from '../relay';
import { database, runCleanup, startRelay, tick, until } from '../relay-review/harness';
import { committedVector, covers, member, space, vectorOf } from '../relay-review2/kept-shared';

afterEach(runCleanup);

describe('KEPT after a whole-state retry', () => {
	it('does not cover an update that arrived while the retry was being written', async () => {
		const db = database();
		const { relay, store } = startRelay(db);
		const { cap, relayCap, signer } = await space();
		// Sealed beforehand, so each is appended at exactly the moment the test chooses.
		const entries = await Promise.all(
			[1, 2, 3, 4].map(() => envelope.seal(cap, signer, envelope.KIND_UPDATE, nacl.randomBytes(64)))
		);
		const alice = createLogDoc();
		const a = member(relay, relayCap, alice, true);
		await until(() => a.session.joined);
		logArray(alice).push([entries[0]!]);
		await until(() => a.session.holdsAll());

		// The disk is full for a moment: the second entry's write fails, a retry is planned (5 s).
		store.inner.failing = new StoreError('full', 'the disk is full');
		logArray(alice).push([entries[1]!]);
		await tick(200);
		store.inner.failing = null;
		store.inner.commitMs = 1_000; // and slow: the retry's whole-state write takes a second

		// The retry starts its write; while it is in flight, a third entry comes.
		const before = store.appends;
		await until(() => store.appends > before, 8_000);
		logArray(alice).push([entries[2]!]);
		await tick(1_300); // the whole-state write has landed
		store.inner.commitMs = 0;

		// A fourth entry, written normally; the relay then says it keeps everything Alice has.
		logArray(alice).push([entries[3]!]);
		await until(() => a.session.holdsAll(), 3_000);
		const acknowledged = a.kept.at(-1)!.vector;
		expect(covers(acknowledged, vectorOf(alice))).toBe(true);

		// The retry planned meanwhile has run too (and done nothing); the disk is fine.
		await tick(5_000);

		// The relay restarts over the same database.
		a.close();
		await relay.close();
		const onDisk = await committedVector(db, relayCap.room);
		const restarted = new Relay({ store: new LevelLogStore(db), kept: new LevelKeptSpaces(db) });
		const n = member(restarted, relayCap, createLogDoc(), false);
		await until(() => n.kept.length > 0);
		const held = n.kept[0]!.vector;
		await restarted.close();

		expect(covers(onDisk, acknowledged)).toBe(true); // fails: entries 3 and 4 are not on disk
		expect(covers(held, acknowledged)).toBe(true);
	}, 20_000);
});
