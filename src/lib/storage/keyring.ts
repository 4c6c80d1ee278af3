// The keyring: which spaces this device holds, each with its capability (DESIGN.md §2), in its
// own IndexedDB database. It also caches each space's name, creation and last edit, so home can
// list spaces without opening every log — sealed under a key derived from the space's own
// capability, so nothing readable rests here but keys (DESIGN.md §2).
import { openDB, wrap, type IDBPDatabase } from 'idb';
import nacl from 'tweetnacl';
import * as secretbox from '../crypto/secretbox';
import { derive } from '../crypto/capability';

const DB = 'commonplace';
const STORE = 'spaces';

/** A capability as stored: the same bytes a link carries (see crypto/links). */
export interface StoredCapability {
	kind: 'edit' | 'view' | 'relay';
	bytes: Uint8Array;
}

export interface SpaceEntry {
	/** The space's room (or, for a space stored before encryption, its old random id). */
	id: string;
	name: string;
	created: number;
	/** Last local or remote edit seen on this device. */
	updated: number;
	/** Null for a space stored before encryption: it is migrated when first opened. */
	cap: StoredCapability | null;
	/** Ids this space had before (old links, tabs and bookmarks still find it by them). */
	aliases?: string[];
	/** Relays a link named for this space (sealed like the name): tried beside the device's own. */
	relays?: string[];
}

/** What is sealed in a stored entry: everything but the id, the key and the aliases. */
interface Meta {
	name: string;
	created: number;
	updated: number;
	relays?: string[];
}

/** Relay hints kept per space, and their length (each was checked as a URL when it came in). */
const MAX_RELAYS = 8;
const MAX_RELAY_CHARS = 512;

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
	const plain: SpaceEntry[] = [];
	let cursor = await database.transaction(STORE).store.openCursor();
	while (cursor) {
		const entry = parseEntry(cursor.value);
		if (entry) spaces.push(entry);
		else damaged.push(String(cursor.key));
		if (entry && isPlain(cursor.value)) plain.push(entry);
		cursor = await cursor.continue();
	}
	// Records written by an earlier version held names in the clear: seal them now.
	if (plain.length > 0) {
		const tx = database.transaction(STORE, 'readwrite');
		await Promise.all([...plain.map((entry) => tx.store.put(toRecord(entry))), tx.done]);
	}
	spaces.sort((a, b) => b.updated - a.updated);
	return { spaces, damaged };
}

export async function get(id: string): Promise<SpaceEntry | null> {
	return parseEntry(await (await db()).get(STORE, id));
}

/** The entry with this id, or the one that had it before (old links and tabs still find it). */
export async function find(id: string): Promise<SpaceEntry | null> {
	return (
		(await get(id)) ?? (await list()).spaces.find((s) => s.aliases?.includes(id) === true) ?? null
	);
}

export async function put(entry: SpaceEntry): Promise<void> {
	await (await db()).put(STORE, toRecord(entry));
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
	await tx.store.put(toRecord({ ...current, ...change }));
	await tx.done;
}

/** Stores an entry under a new id and removes the old one, in one transaction. */
export async function replace(oldId: string, entry: SpaceEntry): Promise<void> {
	const tx = (await db()).transaction(STORE, 'readwrite');
	await tx.store.put(toRecord(entry));
	if (oldId !== entry.id) await tx.store.delete(oldId);
	await tx.done;
}

export async function remove(id: string): Promise<void> {
	await (await db()).delete(STORE, id);
}

/**
 * The stored form: `{ id, cap, sealed, aliases }`, where `sealed` is
 * nonce(24) ‖ secretbox(H("commonplace/v1/keyring", capBytes), nonce, utf8(json meta)).
 * A space stored before encryption has no key to seal under; its record stays as it was until
 * it is migrated (its content was in the clear anyway).
 */
function toRecord(entry: SpaceEntry): Record<string, unknown> {
	const { id, cap, aliases, name, created, updated, relays } = entry;
	const extra = aliases && aliases.length > 0 ? { aliases } : {};
	if (cap === null) return { id, cap, name, created, updated, ...extra };
	const hints = relays && relays.length > 0 ? { relays } : {};
	return { id, cap, sealed: sealMeta(cap, { name, created, updated, ...hints }), ...extra };
}

const metaKey = (cap: StoredCapability) => derive('commonplace/v1/keyring', cap.bytes);

function sealMeta(cap: StoredCapability, meta: Meta): Uint8Array {
	const nonce = nacl.randomBytes(24);
	const box = secretbox.seal(new TextEncoder().encode(JSON.stringify(meta)), nonce, metaKey(cap));
	const out = new Uint8Array(nonce.length + box.length);
	out.set(nonce);
	out.set(box, nonce.length);
	return out;
}

function openMeta(cap: StoredCapability, sealed: unknown): Meta | null {
	if (!(sealed instanceof Uint8Array) || sealed.length < 24 + 16) return null;
	const plain = secretbox.open(sealed.subarray(24), sealed.subarray(0, 24), metaKey(cap));
	if (plain === null) return null;
	try {
		const value = JSON.parse(new TextDecoder().decode(plain)) as Partial<Meta>;
		const relays = Array.isArray(value.relays)
			? value.relays
					.filter((url): url is string => typeof url === 'string' && url.length <= MAX_RELAY_CHARS)
					.slice(0, MAX_RELAYS)
			: [];
		return {
			name: typeof value.name === 'string' ? value.name : '',
			created: typeof value.created === 'number' ? value.created : 0,
			updated: typeof value.updated === 'number' ? value.updated : 0,
			...(relays.length > 0 ? { relays } : {})
		};
	} catch {
		// reason: it opened under the key, so only this device wrote it; damaged means unnamed.
		return null;
	}
}

/** Whether a stored record still holds its name in the clear (written by an earlier version). */
function isPlain(value: unknown): boolean {
	const record = value as Record<string, unknown> | null;
	return record !== null && typeof record === 'object' && record.cap != null && 'name' in record;
}

function parseEntry(value: unknown): SpaceEntry | null {
	if (typeof value !== 'object' || value === null) return null;
	const record = value as Record<string, unknown>;
	const { id, cap, sealed, aliases, migratedFrom } = record;
	if (typeof id !== 'string' || id === '') return null;
	const parsedCap = parseCap(cap);
	// A capability that is present but unreadable makes the entry damaged, not legacy.
	if (cap !== undefined && cap !== null && parsedCap === null) return null;
	const meta = parsedCap !== null && sealed !== undefined ? openMeta(parsedCap, sealed) : null;
	const { name, created, updated } = meta ?? record;
	const relays = meta?.relays;
	const known = [
		...(Array.isArray(aliases) ? aliases : []),
		...(typeof migratedFrom === 'string' ? [migratedFrom] : [])
	].filter((alias): alias is string => typeof alias === 'string' && alias !== id);
	return {
		id,
		name: typeof name === 'string' ? name : '',
		created: typeof created === 'number' ? created : 0,
		updated: typeof updated === 'number' ? updated : 0,
		cap: parsedCap,
		...(known.length > 0 ? { aliases: [...new Set(known)] } : {}),
		...(relays !== undefined ? { relays } : {})
	};
}

function parseCap(value: unknown): StoredCapability | null {
	if (typeof value !== 'object' || value === null) return null;
	const { kind, bytes } = value as Record<string, unknown>;
	if (kind !== 'edit' && kind !== 'view' && kind !== 'relay') return null;
	if (!(bytes instanceof Uint8Array) || bytes.length !== (kind === 'edit' ? 32 : 64)) return null;
	return { kind, bytes };
}
