// The list of spaces this device holds, in its own IndexedDB database. Home reads names from
// here without opening any space. (The encryption work adds each space's capability here.)
import { openDB, type IDBPDatabase } from 'idb';

const DB = 'commonplace';
const STORE = 'spaces';

export interface SpaceEntry {
	id: string;
	name: string;
	created: number;
	/** Last local or remote edit seen on this device. */
	updated: number;
}

export interface Listing {
	spaces: SpaceEntry[];
	/** Entries that could not be read; listed so the user can still open or delete them. */
	damaged: string[];
}

let opening: Promise<IDBPDatabase> | null = null;

function db(): Promise<IDBPDatabase> {
	opening ??= openDB(DB, 1, {
		upgrade(database) {
			database.createObjectStore(STORE, { keyPath: 'id' });
		}
	}).catch((error: unknown) => {
		opening = null;
		throw error;
	});
	return opening;
}

export async function list(): Promise<Listing> {
	const database = await db();
	const spaces: SpaceEntry[] = [];
	const damaged: string[] = [];
	let cursor = await database.transaction(STORE).store.openCursor();
	while (cursor) {
		const entry = parseEntry(cursor.value);
		if (entry) spaces.push(entry);
		else damaged.push(String(cursor.key));
		cursor = await cursor.continue();
	}
	spaces.sort((a, b) => b.updated - a.updated);
	return { spaces, damaged };
}

export async function get(id: string): Promise<SpaceEntry | null> {
	return parseEntry(await (await db()).get(STORE, id));
}

export async function put(entry: SpaceEntry): Promise<void> {
	await (await db()).put(STORE, entry);
}

/** Updates the name and/or edit time of an entry, creating it when missing. */
export async function touch(
	id: string,
	change: Partial<Pick<SpaceEntry, 'name' | 'updated'>>
): Promise<void> {
	const database = await db();
	const tx = database.transaction(STORE, 'readwrite');
	const now = Date.now();
	const current = parseEntry(await tx.store.get(id)) ?? {
		id,
		name: '',
		created: now,
		updated: now
	};
	await tx.store.put({ ...current, ...change });
	await tx.done;
}

export async function remove(id: string): Promise<void> {
	await (await db()).delete(STORE, id);
}

function parseEntry(value: unknown): SpaceEntry | null {
	if (typeof value !== 'object' || value === null) return null;
	const { id, name, created, updated } = value as Record<string, unknown>;
	if (typeof id !== 'string' || id === '') return null;
	return {
		id,
		name: typeof name === 'string' ? name : '',
		created: typeof created === 'number' ? created : 0,
		updated: typeof updated === 'number' ? updated : 0
	};
}
