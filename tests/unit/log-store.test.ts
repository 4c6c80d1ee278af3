// Every LogStore implementation runs the same contract (tests/contracts/log-store.ts): memory,
// and IndexedDB (through fake-indexeddb, a complete IndexedDB for Node).
import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { IdbLogStore } from '../../src/lib/storage/idb-log-store';
import { MemoryLogStore } from '../../src/lib/storage/memory-log-store';
import { StoreError } from '../../src/lib/storage/log-store';
import { runLogStoreContract } from '../contracts/log-store';

runLogStoreContract('memory', async () => {
	const store = new MemoryLogStore();
	return {
		store: () => store,
		damage: async (room) => store.damage(room),
		quarantined: async (room) => store.quarantined(room),
		full: (on) => (store.failing = on ? new StoreError('full', 'QuotaExceededError') : null),
		slowCommits: (ms) => (store.commitMs = ms),
		cleanup: async () => {}
	};
});

let run = 0;
runLogStoreContract('IndexedDB', async () => {
	const prefix = `cp-test-${++run}-`;
	const add = IDBObjectStore.prototype.add;
	let full = false;
	// A full disk, as Chromium reports it: the request fails with QuotaExceededError.
	IDBObjectStore.prototype.add = function (this: IDBObjectStore, ...args: Parameters<typeof add>) {
		if (full && this.name === 'updates')
			throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
		return add.apply(this, args);
	};
	return {
		store: () => new IdbLogStore(prefix),
		damage: async (room) => {
			const db = await openDB(prefix + room, 1);
			await db.add('updates', { not: 'an update' });
			db.close();
		},
		quarantined: async (room) => {
			const db = await openDB(prefix + room, 1);
			const keys = await db.getAllKeys('custom');
			db.close();
			return keys.filter((k) => String(k).startsWith('quarantine:')).length;
		},
		full: (on) => (full = on),
		// IndexedDB commits when the transaction completes; there is nothing to slow down here.
		slowCommits: () => {},
		cleanup: async () => {
			IDBObjectStore.prototype.add = add;
		}
	};
});
