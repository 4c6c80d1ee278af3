// readAhead: a room's log is read as soon as it is asked for, and that read is the one the
// first load() of the room gets; later loads, other rooms and every write go to the store.
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { MemoryLogStore } from '../../src/lib/storage/memory-log-store';
import { readAhead } from '../../src/lib/storage/read-ahead';

const updateOf = (text: string) => {
	const doc = new Y.Doc();
	doc.getArray('a').push([text]);
	return Y.encodeStateAsUpdate(doc);
};

describe('readAhead', () => {
	it('reads at once: the first load gets what was stored when it was asked for', async () => {
		const store = new MemoryLogStore();
		const log = await store.open('room');
		await log.append(updateOf('before'));
		const ahead = readAhead(store, 'room');
		await new Promise((resolve) => setTimeout(resolve, 0));
		await log.append(updateOf('after the read began'));
		const opened = await ahead.open('room');
		expect((await opened.load()).updates).toHaveLength(1);
		// A second load reads again; writes go through.
		await opened.append(updateOf('through the wrapper'));
		expect((await opened.load()).updates).toHaveLength(3);
		// Another room, or the same room opened again, is the store's own.
		expect((await (await ahead.open('room')).load()).updates).toHaveLength(3);
		expect((await (await ahead.open('other')).load()).updates).toHaveLength(0);
	});

	it('cancel closes the log it opened; a failed read is reported by the load, once', async () => {
		const store = new MemoryLogStore();
		const ahead = readAhead(store, 'room');
		ahead.cancel();
		await new Promise((resolve) => setTimeout(resolve, 0));
		// Not taken any more: opening the room is an ordinary open.
		expect((await (await ahead.open('room')).load()).updates).toHaveLength(0);

		const failing = {
			...store,
			open: async () => {
				throw new Error('the database is gone');
			},
			remove: store.remove.bind(store),
			copy: store.copy.bind(store)
		};
		const broken = readAhead(failing, 'room');
		await expect(broken.open('room')).rejects.toThrow('the database is gone');
	});
});
