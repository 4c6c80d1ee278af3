// Persists one space's log doc (ciphertext only, DESIGN.md §3) in IndexedDB through
// y-indexeddb, and guards it: damaged records are set aside (kept, not deleted) before
// y-indexeddb reads them, and a full disk is reported and retried rather than thrown into
// y-indexeddb's promise chain. (It also reads the plaintext databases of spaces stored before
// encryption, once, to migrate them.)
import { openDB, type IDBPDatabase } from 'idb';
import { IndexeddbPersistence } from 'y-indexeddb';
import * as Y from 'yjs';
import { Journal } from './journal';

const UPDATES = 'updates';
const CUSTOM = 'custom';
const QUARANTINE_PREFIX = 'quarantine:';
const VERIFIED = 'verified';
const LOAD_TIMEOUT_MS = 20_000;
const RETRY_MS = 5_000;

export type SaveState = 'saved' | 'full' | 'error';

export interface LoadReport {
	/** Stored records that could not be read and were set aside. */
	damaged: number;
}

export interface SpaceStore {
	readonly report: LoadReport;
	/**
	 * Updates with this origin (this device's own sealing) are also kept in the journal. Only
	 * those: what arrives from peers is theirs to keep, and journalling it cost every remote
	 * update a rewrite of the whole localStorage entry.
	 */
	journalFrom(origin: unknown): void;
	destroy(): Promise<void>;
}

export interface StoreEvents {
	onSaveState?(state: SaveState, detail: string): void;
}

/** The database of a space's log: named by its room, which reveals nothing. */
export const logDbName = (room: string): string => `cp-log-${room}`;
/** The plaintext database of a space stored before encryption (read once, to migrate). */
export const legacyDbName = (id: string): string => `cp-space-${id}`;

/** Opens the stored document `name` into `doc`. Resolves once everything stored is in it. */
export async function openSpaceStore(
	name: string,
	doc: Y.Doc,
	events: StoreEvents = {}
): Promise<SpaceStore> {
	const damaged = await setAsideDamaged(name);
	const persistence = new IndexeddbPersistence(name, doc);
	await withTimeout(
		persistence.whenSynced,
		LOAD_TIMEOUT_MS,
		'Reading this space from the device took too long.'
	);
	const db = persistence.db as IDBDatabase;
	// Whatever the last session typed just before closing, in case IndexedDB missed it.
	const journal = new Journal(name);
	journal.replay(doc, journal);
	let failing = false;
	let retry: ReturnType<typeof setTimeout> | null = null;

	const report = (state: SaveState, detail: string) => events.onSaveState?.(state, detail);
	const onFailure = (event: Event) => {
		const error = failureOf(event);
		if (error === null) return;
		event.preventDefault();
		failing = true;
		report(error.name === 'QuotaExceededError' ? 'full' : 'error', error.message || error.name);
		scheduleRetry();
	};
	// Writes the whole state in one record: whatever failed before is covered by it.
	const saveAll = () => {
		retry = null;
		if (!failing) return;
		try {
			const tx = db.transaction([UPDATES], 'readwrite');
			tx.objectStore(UPDATES).add(Y.encodeStateAsUpdate(doc));
			tx.oncomplete = () => {
				failing = false;
				report('saved', '');
			};
		} catch (error) {
			// reason: the database may be closing or gone; the next retry tries again.
			console.warn('Saving the space failed', error);
			scheduleRetry();
		}
	};
	const scheduleRetry = () => {
		if (retry === null) retry = setTimeout(saveAll, RETRY_MS);
	};
	const local = new Set<unknown>();
	const onUpdate = (update: Uint8Array, origin: unknown) => {
		if (local.has(origin)) journal.append(update);
		if (failing) scheduleRetry();
	};
	db.addEventListener('error', onFailure);
	db.addEventListener('abort', onFailure);
	doc.on('update', onUpdate);
	// y-indexeddb does not catch a failed write; its promise rejects with the same error we
	// already reported through the database's events.
	const onRejection = (event: PromiseRejectionEvent) => {
		if (isStorageFailure(event.reason)) event.preventDefault();
	};
	globalThis.addEventListener?.('unhandledrejection', onRejection);

	let destroyed = false;
	return {
		report: { damaged },
		journalFrom(origin: unknown) {
			local.add(origin);
		},
		async destroy() {
			if (destroyed) return;
			destroyed = true;
			if (retry !== null) clearTimeout(retry);
			doc.off('update', onUpdate);
			db.removeEventListener('error', onFailure);
			db.removeEventListener('abort', onFailure);
			globalThis.removeEventListener?.('unhandledrejection', onRejection);
			await persistence.destroy();
		}
	};
}

/** Deletes a stored document (and its journal) from this device. */
export function deleteSpaceData(name: string): Promise<void> {
	new Journal(name).clear();
	return new Promise((resolve, reject) => {
		const request = indexedDB.deleteDatabase(name);
		request.onsuccess = () => resolve();
		request.onerror = () => reject(request.error ?? new Error('Could not delete the space'));
		// Another tab still has it open; it closes its copy when told the space is gone.
		request.onblocked = () => console.warn('Deleting the space waits for other tabs to close it');
	});
}

/**
 * Copies every record of a stored document into another (created if need be), then resolves.
 * Yjs updates are idempotent, so copying twice (a move interrupted and done again) is harmless.
 */
export async function copyStore(from: string, to: string): Promise<number> {
	const layout = {
		upgrade(db: IDBPDatabase) {
			// The same layout y-indexeddb creates.
			db.createObjectStore(UPDATES, { autoIncrement: true });
			db.createObjectStore(CUSTOM);
		}
	};
	const source = await openDB(from, 1, layout);
	try {
		const read = source.transaction([UPDATES, CUSTOM]);
		const [updates, customKeys, customValues] = await Promise.all([
			read.objectStore(UPDATES).getAll() as Promise<unknown[]>,
			read.objectStore(CUSTOM).getAllKeys(),
			read.objectStore(CUSTOM).getAll() as Promise<unknown[]>
		]);
		if (updates.length === 0 && customKeys.length === 0) return 0;
		const target = await openDB(to, 1, layout);
		try {
			const write = target.transaction([UPDATES, CUSTOM], 'readwrite');
			for (const update of updates) void write.objectStore(UPDATES).add(update);
			customKeys.forEach((key, i) => {
				// The digest of checked records names the source's keys; the target checks afresh.
				if (key !== VERIFIED) void write.objectStore(CUSTOM).put(customValues[i], key);
			});
			await write.done;
		} finally {
			target.close();
		}
		return updates.length;
	} finally {
		source.close();
	}
}

/**
 * Moves stored records that are not valid Yjs updates out of y-indexeddb's way, into the
 * same database's `custom` store under `quarantine:<key>`, so nothing is destroyed.
 *
 * Decoding a large space takes a while, so records already checked are remembered as a digest
 * of their bytes (`verified`); on the next open only records added since are decoded, as long
 * as the older ones still hash the same. Any change to them (damage, y-indexeddb compaction)
 * means a full check.
 */
export async function setAsideDamaged(name: string): Promise<number> {
	const db = await openDB(name, 1, {
		upgrade(db) {
			// The same layout y-indexeddb creates.
			db.createObjectStore(UPDATES, { autoIncrement: true });
			db.createObjectStore(CUSTOM);
		}
	});
	try {
		const read = db.transaction([UPDATES, CUSTOM]);
		const [keys, values, mark] = await Promise.all([
			read.objectStore(UPDATES).getAllKeys(),
			read.objectStore(UPDATES).getAll() as Promise<unknown[]>,
			read.objectStore(CUSTOM).get(VERIFIED) as Promise<unknown>
		]);
		const trusted = await trustedPrefix(keys, values, mark);
		const bad: Array<{ key: IDBValidKey; value: unknown }> = [];
		const good: Uint8Array[] = values.slice(0, trusted) as Uint8Array[];
		let lastGood: IDBValidKey | null = trusted > 0 ? (keys[trusted - 1] as IDBValidKey) : null;
		for (let i = trusted; i < values.length; i++) {
			const key = keys[i] as IDBValidKey;
			if (isValidUpdate(values[i])) {
				good.push(values[i] as Uint8Array);
				lastGood = key;
			} else bad.push({ key, value: values[i] });
		}
		if (bad.length === 0 && trusted === values.length) return 0;
		const write = db.transaction([UPDATES, CUSTOM], 'readwrite');
		for (const { key, value } of bad) {
			await write
				.objectStore(CUSTOM)
				.put({ at: Date.now(), value }, QUARANTINE_PREFIX + String(key));
			await write.objectStore(UPDATES).delete(key);
		}
		if (lastGood !== null) {
			await write.objectStore(CUSTOM).put({ upTo: lastGood, digest: await digest(good) }, VERIFIED);
		}
		await write.done;
		return bad.length;
	} finally {
		db.close();
	}
}

/** How many leading records the stored `verified` mark vouches for. */
async function trustedPrefix(
	keys: IDBValidKey[],
	values: unknown[],
	mark: unknown
): Promise<number> {
	if (typeof mark !== 'object' || mark === null) return 0;
	const { upTo, digest: expected } = mark as { upTo?: unknown; digest?: unknown };
	if (typeof upTo !== 'number' || typeof expected !== 'string') return 0;
	let count = 0;
	while (count < keys.length && (keys[count] as number) <= upTo) count++;
	const prefix = values.slice(0, count);
	if (count === 0 || !prefix.every((v) => v instanceof Uint8Array)) return 0;
	return (await digest(prefix as Uint8Array[])) === expected ? count : 0;
}

async function digest(records: Uint8Array[]): Promise<string> {
	const total = records.reduce((n, r) => n + 4 + r.length, 0);
	const bytes = new Uint8Array(total);
	const view = new DataView(bytes.buffer);
	let at = 0;
	for (const record of records) {
		view.setUint32(at, record.length);
		bytes.set(record, at + 4);
		at += 4 + record.length;
	}
	const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
	return Array.from(hash, (b) => b.toString(16).padStart(2, '0')).join('');
}

export function isValidUpdate(value: unknown): boolean {
	if (!(value instanceof Uint8Array)) return false;
	try {
		Y.decodeUpdate(value);
		return true;
	} catch {
		// reason: undecodable bytes are exactly what we are looking for; the caller counts them.
		return false;
	}
}

function failureOf(event: Event): DOMException | null {
	const target = event.target as IDBRequest | IDBTransaction | null;
	const error = target && 'error' in target ? target.error : null;
	return error instanceof DOMException ? error : null;
}

function isStorageFailure(reason: unknown): boolean {
	const text = reason instanceof Error ? `${reason.name} ${reason.message}` : String(reason);
	return /QuotaExceeded|AbortError|UnknownError|InvalidStateError/.test(text);
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
	return new Promise<T>((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(message)), ms);
		promise.then(
			(value) => {
				clearTimeout(timer);
				resolve(value);
			},
			(error: unknown) => {
				clearTimeout(timer);
				reject(error);
			}
		);
	});
}
