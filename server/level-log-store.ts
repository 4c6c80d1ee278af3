// A relay's LogStore (src/lib/storage/log-store.ts) on LevelDB through classic-level: the Yjs
// ecosystem's own choice for server persistence (y-leveldb), embedded, one directory, prebuilt
// for this platform in its npm package (nothing to compile or download). All rooms share one
// database; a room's records are keys `r/<room>/u/<seq>` (updates, in order) and
// `r/<room>/q/<seq>` (records set aside as damaged). An append resolves once LevelDB has written
// it to its log: that survives the process being killed (SIGKILL); `sync: true` adds an fsync
// per write, which also survives the machine losing power, at a cost per write. Appends made in
// one turn of the event loop (from every room) go to LevelDB as one batch: one write, and one
// fsync with `sync`, for all of them (group commit).
// It runs the same contract suite as every LogStore (server/level-log-store.test.ts).
import type { ClassicLevel } from 'classic-level';
import * as Y from 'yjs';
import { KeepCounts } from './keep-counts';
import type { KeepQuota, KeepRefusal, KeptSpaces } from './relay';
import {
	isUpdateRecord,
	StoreError,
	type Loaded,
	type LogStore,
	type StoredLog
} from '../src/lib/storage/log-store';

export type LevelDb = ClassicLevel<Uint8Array, Uint8Array>;

export interface LevelStoreOptions {
	/** fsync every write (survives power loss, not only a killed process). */
	sync?: boolean;
}

const encoder = new TextEncoder();
const key = (...parts: string[]) => encoder.encode(parts.join('/'));
/** Sequence numbers as fixed-width hex, so keys sort in the order records were stored. */
const seqKey = (room: string, kind: 'u' | 'q', seq: number) =>
	key('r', room, kind, seq.toString(16).padStart(13, '0'));
/** Every key of one kind in a room: [gte, lt). */
const range = (room: string, kind: 'u' | 'q') => ({
	gte: key('r', room, kind, ''),
	lt: key('r', room, kind, '~')
});

/** LevelDB hands back Node Buffers; the store speaks plain Uint8Arrays (a view, no copy). */
const plain = (value: Uint8Array) =>
	new Uint8Array(value.buffer, value.byteOffset, value.byteLength);

/** The next sequence number per room, shared by every store over one database. */
const counters = new WeakMap<LevelDb, Map<string, Promise<{ next: number }>>>();

/** A room name is a hex room id (or a test's name): nothing that could break the key layout. */
function checkRoom(room: string): void {
	if (!/^[A-Za-z0-9_-]{1,128}$/.test(room)) throw new StoreError('failed', 'bad room name');
}

/** What LevelDB's error means for the caller: a full disk is 'full', anything else 'failed'. */
function storeError(error: unknown): StoreError {
	if (error instanceof StoreError) return error;
	const text = error instanceof Error ? `${error.message} ${String(error.cause ?? '')}` : '';
	return /ENOSPC|No space left|quota/i.test(text)
		? new StoreError('full', 'the disk is full')
		: new StoreError('failed', error instanceof Error ? error.name : 'write failed');
}

export class LevelLogStore implements LogStore {
	readonly db: LevelDb;
	readonly #sync: boolean;
	/** Test hook: while set, every write fails with this. */
	failing: StoreError | null = null;
	/** Test hook: every commit waits this long first. */
	commitMs = 0;
	/** The appends of this turn, written together on the next (see `put`). */
	#group: {
		ops: Array<{ type: 'put'; key: Uint8Array; value: Uint8Array }>;
		done: Promise<void>;
	} | null = null;

	constructor(db: LevelDb, options: LevelStoreOptions = {}) {
		this.db = db;
		this.#sync = options.sync ?? false;
		if (!counters.has(db)) counters.set(db, new Map());
	}

	async open(room: string): Promise<StoredLog> {
		checkRoom(room);
		await this.db.open();
		return new LevelLog(room, this, await this.#count(room));
	}

	async remove(room: string): Promise<void> {
		checkRoom(room);
		await this.db.clear(range(room, 'u'));
		await this.db.clear(range(room, 'q'));
	}

	async copy(from: string, to: string): Promise<number> {
		checkRoom(from);
		checkRoom(to);
		const records: Uint8Array[] = [];
		for await (const value of this.db.values(range(from, 'u'))) records.push(value);
		const batch = this.db.batch();
		for (const record of records) batch.put(seqKey(to, 'u', await this.nextSeq(to)), record);
		await batch.write({ sync: this.#sync });
		return records.length;
	}

	/** @internal Runs one write: the fault hooks first, then LevelDB, errors as StoreErrors. */
	async commit(write: (sync: boolean) => Promise<void>): Promise<void> {
		if (this.failing) throw this.failing;
		if (this.commitMs > 0) await new Promise((resolve) => setTimeout(resolve, this.commitMs));
		try {
			await write(this.#sync);
		} catch (error) {
			throw storeError(error);
		}
	}

	/**
	 * @internal Puts `value` at `key` together with every other put of this turn of the event
	 * loop, in one LevelDB batch; resolves once that batch is written.
	 */
	put(at: Uint8Array, value: Uint8Array): Promise<void> {
		if (this.failing) return Promise.reject(this.failing);
		if (this.#group === null) {
			const ops: Array<{ type: 'put'; key: Uint8Array; value: Uint8Array }> = [];
			const done = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
				if (this.#group?.ops === ops) this.#group = null;
				return this.commit((sync) => this.db.batch(ops, { sync }));
			});
			this.#group = { ops, done };
		}
		this.#group.ops.push({ type: 'put', key: at, value });
		return this.#group.done;
	}

	/**
	 * @internal The next free sequence number of a room. The first call per room reads the last
	 * key stored; concurrent first calls share that read (two appends racing must never get the
	 * same number: the second would overwrite the first).
	 */
	async nextSeq(room: string): Promise<number> {
		const rooms = counters.get(this.db) as Map<string, Promise<{ next: number }>>;
		let counter = rooms.get(room);
		if (counter === undefined) {
			counter = this.#lastSeq(room).then((last) => ({ next: last + 1 }));
			rooms.set(room, counter);
		}
		const state = await counter;
		return state.next++;
	}

	async #lastSeq(room: string): Promise<number> {
		let last = -1;
		for (const kind of ['u', 'q'] as const) {
			for await (const k of this.db.keys({ ...range(room, kind), reverse: true, limit: 1 })) {
				const seq = parseInt(new TextDecoder().decode(k).split('/').at(-1) ?? '', 16);
				if (Number.isSafeInteger(seq)) last = Math.max(last, seq);
			}
		}
		return last;
	}

	async #count(room: string): Promise<number> {
		let count = 0;
		for await (const k of this.db.keys(range(room, 'u'))) if (k.length > 0) count++;
		return count;
	}
}

class LevelLog implements StoredLog {
	readonly room: string;
	readonly #store: LevelLogStore;
	#records: number;
	#closed = false;

	constructor(room: string, store: LevelLogStore, records: number) {
		this.room = room;
		this.#store = store;
		this.#records = records;
	}

	get records(): number {
		return this.#records;
	}

	async load(): Promise<Loaded> {
		this.#check();
		const { db } = this.#store;
		const updates: Uint8Array[] = [];
		const damaged: Array<[Uint8Array, Uint8Array]> = [];
		for await (const [k, value] of db.iterator(range(this.room, 'u'))) {
			if (isUpdateRecord(value)) updates.push(plain(value));
			else damaged.push([k, value]);
		}
		if (damaged.length > 0) {
			// Set aside, in one commit: kept under `q/`, never deleted.
			const batch = db.batch();
			for (const [k, value] of damaged) {
				batch.del(k);
				batch.put(seqKey(this.room, 'q', await this.#store.nextSeq(this.room)), value);
			}
			await this.#store.commit((sync) => batch.write({ sync }));
		}
		this.#records = updates.length;
		return { updates, damaged: damaged.length };
	}

	async append(update: Uint8Array): Promise<void> {
		this.#check();
		const at = seqKey(this.room, 'u', await this.#store.nextSeq(this.room));
		await this.#store.put(at, update.slice());
		this.#records++;
	}

	async compact(state: Uint8Array): Promise<void> {
		this.#check();
		const { db } = this.#store;
		const keys: Uint8Array[] = [];
		const updates: Uint8Array[] = [];
		for await (const [k, value] of db.iterator(range(this.room, 'u'))) {
			keys.push(k);
			if (isUpdateRecord(value)) updates.push(value);
		}
		const merged = Y.mergeUpdates([state, ...updates]);
		const batch = db.batch();
		for (const k of keys) batch.del(k);
		batch.put(seqKey(this.room, 'u', await this.#store.nextSeq(this.room)), merged);
		await this.#store.commit((sync) => batch.write({ sync }));
		this.#records = 1;
	}

	async close(): Promise<void> {
		this.#closed = true;
	}

	#check() {
		if (this.#closed) throw new StoreError('closed');
	}
}

/** The records a room set aside (for tests and an operator's health check). */
export async function quarantined(db: LevelDb, room: string): Promise<number> {
	let count = 0;
	for await (const k of db.keys(range(room, 'q'))) if (k.length > 0) count++;
	return count;
}

/** Test hook: writes a record that is not a Yjs update into a room, as damage on disk would. */
export async function damage(store: LevelLogStore, room: string): Promise<void> {
	await store.db.put(seqKey(room, 'u', await store.nextSeq(room)), new Uint8Array([0xff, 0xff]));
}

/**
 * The spaces a relay keeps (their b1 capabilities), in the same database: keys `k/<room>`. The
 * quota is counted in this process (one relay process owns its LevelDB).
 */
export class LevelKeptSpaces implements KeptSpaces {
	readonly #db: LevelDb;
	readonly #byAddress = new KeepCounts();
	/** Spaces kept in all: read once from the database, then counted here. */
	#total: number | null = null;

	constructor(db: LevelDb) {
		this.#db = db;
	}

	async get(room: string): Promise<Uint8Array | null> {
		checkRoom(room);
		const value = await this.#db.get(key('k', room));
		return value === undefined ? null : plain(value);
	}

	async add(
		room: string,
		capability: Uint8Array,
		address: string,
		quota: KeepQuota
	): Promise<KeepRefusal | null> {
		checkRoom(room);
		if (this.#total === null) {
			const counted = await this.count();
			this.#total ??= counted;
		}
		// Nothing awaits from the checks to the put's start: asks made at once count one by one.
		if (!this.#byAddress.take(address, quota.maxKeptPerAddress)) return 'too-many-rooms';
		if (this.#total >= quota.maxKept) {
			this.#byAddress.giveBack(address);
			return 'relay-full';
		}
		this.#total++;
		try {
			await this.#db.put(key('k', room), capability, { sync: true });
		} catch (error) {
			this.#total--;
			this.#byAddress.giveBack(address);
			throw error;
		}
		return null;
	}

	async delete(room: string): Promise<void> {
		checkRoom(room);
		const had = (await this.#db.get(key('k', room))) !== undefined;
		await this.#db.del(key('k', room), { sync: true });
		if (had && this.#total !== null) this.#total--;
	}

	async count(): Promise<number> {
		let count = 0;
		for await (const k of this.#db.keys({ gte: key('k', ''), lt: key('k', '~') })) {
			if (k.length > 0) count++;
		}
		return count;
	}
}
