// The browser's stores of spaces, in IndexedDB: logs in `cp-log-<room>`, and the plaintext
// databases of spaces stored before encryption in `cp-space-<id>` (read once, to migrate).
// Opening a space's log here also brings its journal (localStorage, keyed by the database).
import type * as Y from 'yjs';
import { IdbLogStore } from './idb-log-store';
import { Journal } from './journal';
import type { LogStore } from './log-store';
import { persist, type PersistOptions, type Persisted } from './persist';

export type { SaveState } from './persist';

export const logStore = (): IdbLogStore => new IdbLogStore('cp-log-');
export const legacyStore = (): IdbLogStore => new IdbLogStore('cp-space-');

/** The journal that goes with a room's stored log (localStorage, keyed by its database). */
export const journalOf = (store: IdbLogStore, room: string): Journal =>
	new Journal(store.name(room));

/** Opens a room's stored log into `doc`; resolves once everything stored is in it. */
export async function openStored(
	store: IdbLogStore,
	room: string,
	doc: Y.Doc,
	options: Omit<PersistOptions, 'journal'> = {}
): Promise<Persisted> {
	const stored = await store.open(room);
	try {
		return await persist(doc, stored, { ...options, journal: new Journal(store.name(room)) });
	} catch (error) {
		await stored.close();
		throw error;
	}
}

/** Deletes a room's stored log and its journal from this device. */
export async function deleteStored(store: IdbLogStore, room: string): Promise<void> {
	new Journal(store.name(room)).clear();
	await store.remove(room);
}

/** Moves a room's records and journal to another room (a space that moved). */
export async function moveStored(store: IdbLogStore, from: string, to: string): Promise<void> {
	await (store as LogStore).copy(from, to);
	new Journal(store.name(from)).moveTo(store.name(to));
}
