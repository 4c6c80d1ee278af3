// The contract every LogStore keeps (storage/log-store.ts), run by each implementation's test
// file: `runLogStoreContract('memory', setup)`. A relay's database will run the same suite.
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { StoreError, type LogStore } from '../../src/lib/storage/log-store';
import { persist } from '../../src/lib/storage/persist';

export interface StoreHarness {
	/** A store over the same data as every other store this harness makes (a "reopen"). */
	store(): LogStore;
	/** Writes a record that is not a Yjs update into a room, as damage on disk would. */
	damage(room: string): Promise<void>;
	/** How many records of a room were set aside. */
	quarantined(room: string): Promise<number>;
	/** Makes every write fail as a full disk does (true), or succeed again (false). */
	full(on: boolean): void;
	/** Makes commits slow (ms), so an acknowledgement can be told apart from the call. */
	slowCommits(ms: number): void;
	cleanup(): Promise<void>;
}

let clients = 100;
/** A small log doc update, as a log would store it (each from a client of its own). */
function entry(text: string, client = ++clients): Uint8Array {
	const doc = new Y.Doc();
	doc.clientID = client;
	doc.getArray('log').push([new TextEncoder().encode(text)]);
	return Y.encodeStateAsUpdate(doc);
}

function read(updates: Uint8Array[]): string[] {
	const doc = new Y.Doc();
	for (const update of updates) Y.applyUpdate(doc, update);
	return doc
		.getArray<Uint8Array>('log')
		.toArray()
		.map((bytes) => new TextDecoder().decode(bytes))
		.sort();
}

export function runLogStoreContract(name: string, setup: () => Promise<StoreHarness>): void {
	describe(`LogStore contract: ${name}`, () => {
		const withHarness = (test: (h: StoreHarness) => Promise<void>) => async () => {
			const harness = await setup();
			try {
				await test(harness);
			} finally {
				await harness.cleanup();
			}
		};

		it(
			'what was appended is there after a reopen, in order',
			withHarness(async (h) => {
				const log = await h.store().open('room-a');
				expect(await log.load()).toEqual({ updates: [], damaged: 0 });
				const written = ['one', 'two', 'three'].map((t, i) => entry(t, i + 1));
				for (const update of written) await log.append(update);
				expect(log.records).toBe(3);
				await log.close();
				const again = await h.store().open('room-a');
				const { updates, damaged } = await again.load();
				expect(damaged).toBe(0);
				expect(updates).toEqual(written);
				await again.close();
			})
		);

		it(
			'keeps several rooms side by side, and removes one without the others',
			withHarness(async (h) => {
				const store = h.store();
				const a = await store.open('room-a');
				const b = await store.open('room-b');
				await a.append(entry('in a'));
				await b.append(entry('in b'));
				await a.close();
				await b.close();
				await store.remove('room-a');
				const reopened = h.store();
				expect(read((await (await reopened.open('room-a')).load()).updates)).toEqual([]);
				expect(read((await (await reopened.open('room-b')).load()).updates)).toEqual(['in b']);
			})
		);

		it(
			'sets a damaged record aside (kept, not deleted) and reads the rest',
			withHarness(async (h) => {
				const log = await h.store().open('room-d');
				await log.append(entry('good'));
				await log.close();
				await h.damage('room-d');
				const again = await h.store().open('room-d');
				await again.append(entry('after'));
				const { updates, damaged } = await again.load();
				expect(damaged).toBe(1);
				expect(read(updates)).toEqual(['after', 'good']);
				expect(await h.quarantined('room-d')).toBe(1);
				// Set aside once: the next load finds nothing damaged.
				expect((await again.load()).damaged).toBe(0);
				await again.close();
			})
		);

		it(
			'reports a full disk as "full", stores nothing of the failed write, and recovers',
			withHarness(async (h) => {
				const log = await h.store().open('room-f');
				await log.append(entry('before'));
				h.full(true);
				const failed = await log.append(entry('lost')).then(
					() => null,
					(error: unknown) => error
				);
				expect(failed).toBeInstanceOf(StoreError);
				expect((failed as StoreError).reason).toBe('full');
				h.full(false);
				await log.append(entry('after'));
				expect(read((await log.load()).updates)).toEqual(['after', 'before']);
				await log.close();
			})
		);

		it(
			'acknowledges nothing before it is durable: once append resolves, a reopen has it',
			withHarness(async (h) => {
				h.slowCommits(30);
				const log = await h.store().open('room-ack');
				let acknowledged = false;
				const writing = log.append(entry('durable')).then(() => (acknowledged = true));
				expect(acknowledged).toBe(false);
				await writing;
				const other = await h.store().open('room-ack');
				expect(read((await other.load()).updates)).toEqual(['durable']);
				await other.close();
				await log.close();
			})
		);

		it(
			'compacts into one record holding everything, other writers included',
			withHarness(async (h) => {
				const mine = await h.store().open('room-c');
				const theirs = await h.store().open('room-c');
				await mine.append(entry('a', 1));
				await theirs.append(entry('b', 2));
				await mine.compact(entry('c', 3));
				expect(mine.records).toBe(1);
				const check = await h.store().open('room-c');
				expect(read((await check.load()).updates)).toEqual(['a', 'b', 'c']);
				await Promise.all([mine.close(), theirs.close(), check.close()]);
			})
		);

		it(
			'refuses to be used after close, with a code',
			withHarness(async (h) => {
				const log = await h.store().open('room-x');
				await log.close();
				const error = await log.append(entry('late')).catch((e: unknown) => e);
				expect((error as StoreError).reason).toBe('closed');
			})
		);

		it(
			'through persist(): a doc is stored as it changes, a full disk is reported and then covered',
			withHarness(async (h) => {
				const states: string[] = [];
				const doc = new Y.Doc();
				const kept = await persist(doc, await h.store().open('room-p'), {
					onSaveState: (state) => states.push(state),
					retryMs: 20
				});
				doc.getArray('log').push([new Uint8Array([1])]);
				await kept.flushed();
				h.full(true);
				doc.getArray('log').push([new Uint8Array([2])]);
				await kept.flushed();
				expect(states).toEqual(['full']);
				h.full(false);
				const until = Date.now() + 5_000;
				while (states.at(-1) !== 'saved' && Date.now() < until) {
					await new Promise((r) => setTimeout(r, 10));
				}
				expect(states).toEqual(['full', 'saved']);
				await kept.destroy();
				await kept.destroy(); // twice is fine
				const reopened = new Y.Doc();
				const again = await persist(reopened, await h.store().open('room-p'));
				expect(reopened.getArray('log').toArray()).toEqual([
					new Uint8Array([1]),
					new Uint8Array([2])
				]);
				await again.destroy();
			})
		);
	});
}
