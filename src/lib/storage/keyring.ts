// The keyring: which spaces this device holds, each with its capability (DESIGN.md §2), in its
// own IndexedDB database. It also caches each space's name and last edit, so home can list
// spaces without opening (and decrypting) every log.
import { openDB, wrap, type IDBPDatabase } from 'idb';

const DB = 'commonplace';
const STORE = 'spaces';

/** A capability as stored: the same bytes a link carries (see crypto/links). */
export interface StoredCapability {
	kind: 'edit' | 'view' | 'relay';
	bytes: Uint8Array;
}

export interface SpaceEntry {
	/** The space's topic (or, for a space stored before encryption, its old random id). */
	id: string;
	name: string;
	created: number;
	/** Last local or remote edit seen on this device. */
	updated: number;
	/** Null for a space stored before encryption: it is migrated when first opened. */
	cap: StoredCapability | null;
	/** For a migrated space, its id before encryption (old links and tabs still find it). */
	migratedFrom?: string;
}

export interface Listing {
	spaces: SpaceEntry[];
	/** Entries that could not be read; listed so the user can still open or delete them. */
	damaged: string[];
}

let opening: Promise<IDBPDatabase> | null = null;

/** The open request app.html started before any module loaded, if it did. */
function early(): Promise<IDBPDatabase> | null {
	const request = (globalThis as { __cpKeyring?: IDBOpenDBRequest }).__cpKeyring;
	if (!request) return null;
	delete (globalThis as { __cpKeyring?: IDBOpenDBRequest }).__cpKeyring;
	return new Promise<IDBPDatabase>((resolve, reject) => {
		const done = () => resolve(wrap(request.result));
		// readyState is already 'done' while the upgrade (version change) transaction of a first
		// open runs; the database is usable only once that transaction is over ('success').
		if (request.readyState === 'done' && request.transaction === null) {
			if (request.error) reject(request.error);
			else done();
			return;
		}
		request.addEventListener('success', done);
		request.addEventListener('error', () => reject(request.error));
	});
}

function db(): Promise<IDBPDatabase> {
	opening ??= (early() ?? Promise.reject(new Error('no early open')))
		.catch(() =>
			openDB(DB, 1, {
				upgrade(database) {
					database.createObjectStore(STORE, { keyPath: 'id' });
				}
			})
		)
		.catch((error: unknown) => {
			opening = null;
			throw error;
		});
	return opening;
}

/**
 * Starts opening the keyring database. The first IndexedDB open in a page costs tens of
 * milliseconds; doing it while the rest of the page loads takes that off opening a space.
 */
export function warm(): void {
	db().catch((error: unknown) => console.warn('The keyring could not be opened yet', error));
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

/** The entry with this id, or the one migrated from it (old links and tabs still find it). */
export async function find(id: string): Promise<SpaceEntry | null> {
	return (await get(id)) ?? (await list()).spaces.find((s) => s.migratedFrom === id) ?? null;
}

export async function put(entry: SpaceEntry): Promise<void> {
	await (await db()).put(STORE, entry);
}

/** Updates the cached name and/or edit time of an existing entry. */
export async function touch(
	id: string,
	change: Partial<Pick<SpaceEntry, 'name' | 'updated'>>
): Promise<void> {
	const database = await db();
	const tx = database.transaction(STORE, 'readwrite');
	const current = parseEntry(await tx.store.get(id));
	if (current === null) {
		// Only entries that exist are touched: a space deleted meanwhile stays deleted.
		await tx.done;
		return;
	}
	await tx.store.put({ ...current, ...change });
	await tx.done;
}

/** Stores an entry under a new id and removes the old one, in one transaction. */
export async function replace(oldId: string, entry: SpaceEntry): Promise<void> {
	const tx = (await db()).transaction(STORE, 'readwrite');
	await tx.store.put(entry);
	if (oldId !== entry.id) await tx.store.delete(oldId);
	await tx.done;
}

export async function remove(id: string): Promise<void> {
	await (await db()).delete(STORE, id);
}

function parseEntry(value: unknown): SpaceEntry | null {
	if (typeof value !== 'object' || value === null) return null;
	const { id, name, created, updated, cap, migratedFrom } = value as Record<string, unknown>;
	if (typeof id !== 'string' || id === '') return null;
	const parsedCap = parseCap(cap);
	// A capability that is present but unreadable makes the entry damaged, not legacy.
	if (cap !== undefined && cap !== null && parsedCap === null) return null;
	return {
		id,
		name: typeof name === 'string' ? name : '',
		created: typeof created === 'number' ? created : 0,
		updated: typeof updated === 'number' ? updated : 0,
		cap: parsedCap,
		...(typeof migratedFrom === 'string' ? { migratedFrom } : {})
	};
}

function parseCap(value: unknown): StoredCapability | null {
	if (typeof value !== 'object' || value === null) return null;
	const { kind, bytes } = value as Record<string, unknown>;
	if (kind !== 'edit' && kind !== 'view' && kind !== 'relay') return null;
	if (!(bytes instanceof Uint8Array) || bytes.length !== (kind === 'edit' ? 32 : 64)) return null;
	return { kind, bytes };
}
