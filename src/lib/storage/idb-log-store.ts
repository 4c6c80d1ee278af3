// A LogStore in IndexedDB: one database per room, `<prefix><room>`, in the layout y-indexeddb
// used (an auto-keyed `updates` store of Yjs updates and a `custom` store), so what earlier
// versions stored opens as it is. Each append is its own transaction and is acknowledged on
// `complete`, never before. Damaged records are moved into `custom` under `quarantine:<key>`
// (kept, never deleted) before anything reads them; records already checked are remembered as
// a digest of their bytes (`verified`), so a big space is not decoded again on every open.
import { openDB, type IDBPDatabase, type IDBPTransaction } from 'idb';
import * as Y from 'yjs';
import {
	isUpdateRecord,
	StoreError,
	type Loaded,
	type LogStore,
	type StoredLog
} from './log-store';

const UPDATES = 'updates';
const CUSTOM = 'custom';
const QUARANTINE_PREFIX = 'quarantine:';
const VERIFIED = 'verified';

type WriteTx = IDBPTransaction<unknown, string[], 'readwrite'>;

const layout = {
	upgrade(db: IDBPDatabase) {
		if (!db.objectStoreNames.contains(UPDATES))
			db.createObjectStore(UPDATES, { autoIncrement: true });
		if (!db.objectStoreNames.contains(CUSTOM)) db.createObjectStore(CUSTOM);
	}
};

export class IdbLogStore implements LogStore {
	readonly #prefix: string;

	/** `prefix` names the databases: `cp-log-` for logs, `cp-space-` for pre-encryption spaces. */
	constructor(prefix = 'cp-log-') {
		this.#prefix = prefix;
	}

	name(room: string): string {
		return this.#prefix + room;
	}

	async open(room: string): Promise<StoredLog> {
		return new IdbLog(room, await openDB(this.name(room), 1, layout));
	}

	remove(room: string): Promise<void> {
		return new Promise((resolve, reject) => {
			const request = indexedDB.deleteDatabase(this.name(room));
			request.onsuccess = () => resolve();
			request.onerror = () => reject(failure(request.error));
			// Another tab still has it open; it closes its copy when told the space is gone.
			request.onblocked = () => console.warn('Deleting a space waits for other tabs to close it');
		});
	}

	async copy(from: string, to: string): Promise<number> {
		const source = await openDB(this.name(from), 1, layout);
		try {
			const read = source.transaction([UPDATES, CUSTOM]);
			const [updates, keys, values] = await Promise.all([
				read.objectStore(UPDATES).getAll() as Promise<unknown[]>,
				read.objectStore(CUSTOM).getAllKeys(),
				read.objectStore(CUSTOM).getAll() as Promise<unknown[]>
			]);
			if (updates.length === 0 && keys.length === 0) return 0;
			const target = await openDB(this.name(to), 1, layout);
			try {
				const write = target.transaction([UPDATES, CUSTOM], 'readwrite');
				for (const update of updates) void write.objectStore(UPDATES).add(update);
				keys.forEach((key, i) => {
					// The digest of checked records names the source's keys; the target checks afresh.
					if (key !== VERIFIED) void write.objectStore(CUSTOM).put(values[i], key);
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
}

class IdbLog implements StoredLog {
	readonly room: string;
	readonly #db: IDBPDatabase;
	#records = 0;
	#closed = false;

	constructor(room: string, db: IDBPDatabase) {
		this.room = room;
		this.#db = db;
		// Another tab deleting this space, or the browser clearing site data, closes us.
		db.addEventListener('versionchange', () => void this.close());
	}

	get records(): number {
		return this.#records;
	}

	async load(): Promise<Loaded> {
		this.#check();
		const damaged = await setAsideDamaged(this.#db);
		const updates = (await this.#db.getAll(UPDATES)) as Uint8Array[];
		this.#records = updates.length;
		return { updates, damaged };
	}

	async append(update: Uint8Array): Promise<void> {
		await this.#write((tx) => tx.objectStore(UPDATES).add(update));
		this.#records++;
	}

	async compact(state: Uint8Array): Promise<void> {
		let kept = 0;
		await this.#write(async (tx) => {
			const store = tx.objectStore(UPDATES);
			const [keys, values] = await Promise.all([store.getAllKeys(), store.getAll()]);
			const updates = (values as unknown[]).filter(isUpdateRecord);
			await store.add(Y.mergeUpdates([state, ...updates]));
			for (const key of keys) await store.delete(key);
			kept = 1;
		});
		this.#records = kept;
	}

	async close(): Promise<void> {
		if (this.#closed) return;
		this.#closed = true;
		this.#db.close();
	}

	/** One readwrite transaction; resolves on `complete` (durable), rejects with a StoreError. */
	async #write(work: (tx: WriteTx) => Promise<unknown>): Promise<void> {
		this.#check();
		let tx: WriteTx;
		try {
			tx = this.#db.transaction([UPDATES], 'readwrite');
		} catch (error) {
			throw failure(error);
		}
		let working: Promise<unknown>;
		try {
			working = work(tx);
		} catch (error) {
			// A request refused at once (a full disk can throw here): nothing was written.
			tx.abort();
			await tx.done.catch(noop);
			throw failure(error);
		}
		// Both settle: the request's failure and the transaction's abort are one error.
		const [worked, done] = await Promise.allSettled([working, tx.done]);
		if (worked.status === 'rejected' || done.status === 'rejected') {
			const reason =
				done.status === 'rejected' ? done.reason : (worked as PromiseRejectedResult).reason;
			throw failure(tx.error ?? reason);
		}
	}

	#check() {
		if (this.#closed) throw new StoreError('closed', 'This space was closed on this device.');
	}
}

function noop() {
	// reason: the abort we asked for; the caller reports the error that caused it.
}

function failure(error: unknown): StoreError {
	if (error instanceof StoreError) return error;
	const name = error instanceof DOMException || error instanceof Error ? error.name : '';
	const detail = error instanceof Error ? error.message || error.name : String(error);
	if (name === 'QuotaExceededError') return new StoreError('full', detail);
	if (name === 'InvalidStateError') return new StoreError('closed', detail);
	return new StoreError('failed', detail);
}

/**
 * Moves records that are not Yjs updates out of the way, into `custom` under
 * `quarantine:<key>`, so nothing is destroyed. Records checked before are trusted while they
 * still hash the same (`verified`); any change to them (damage, compaction) means a full check.
 */
async function setAsideDamaged(db: IDBPDatabase): Promise<number> {
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
		if (isUpdateRecord(values[i])) {
			good.push(values[i] as Uint8Array);
			lastGood = key;
		} else bad.push({ key, value: values[i] });
	}
	if (bad.length === 0 && trusted === values.length) return 0;
	// Hashed before the transaction: awaiting anything but a request would end it.
	const checked = lastGood === null ? null : { upTo: lastGood, digest: await digest(good) };
	const write = db.transaction([UPDATES, CUSTOM], 'readwrite');
	for (const { key, value } of bad) {
		await write.objectStore(CUSTOM).put({ at: Date.now(), value }, QUARANTINE_PREFIX + String(key));
		await write.objectStore(UPDATES).delete(key);
	}
	if (checked !== null) await write.objectStore(CUSTOM).put(checked, VERIFIED);
	await write.done;
	return bad.length;
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
