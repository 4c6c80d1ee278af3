// A relay's LogStore (src/lib/storage/log-store.ts) on Redis, shared by every node of one relay
// service (REDIS_URL): any node can serve any room, and a node that dies takes nothing with it.
// Redis is run with its append-only file fsynced on every write (`appendonly yes`,
// `appendfsync always`), so an append acknowledged here survives Redis being killed too.
// A room's records are a list, `cp:r:<room>:u` (updates, in the order stored), records set aside
// as damaged a list `cp:r:<room>:q`, and `cp:r:<room>:c` counts compactions. Appends from any
// node go to the list's tail; a compaction replaces only the records it read (the head), in one
// script, and only if no other compaction ran meanwhile — so an append never gets lost to it.
// Redis receives ciphertext (sealed envelopes in Yjs updates, sealed capabilities), room names,
// counts and keyed hashes of addresses (RedisKeptSpaces), nothing else.
// It runs the same contract suite as every LogStore (server/redis-log-store.test.ts).
import type { Redis } from 'ioredis';
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import * as Y from 'yjs';
import {
	isUpdateRecord,
	StoreError,
	type Loaded,
	type LogStore,
	type StoredLog
} from '../src/lib/storage/log-store';
import { KEEP_WINDOW_MS } from './keep-counts';
import type { KeepQuota, KeepRefusal, KeptSpaces } from './relay';

const keys = (room: string) => ({
	updates: `cp:r:${room}:u`,
	quarantine: `cp:r:${room}:q`,
	compactions: `cp:r:${room}:c`,
	base: `cp:r:${room}:b`
});

// Positions: every record has one, counted from the room's first record ever and never reused:
// the list's first element is at `base` (`cp:r:<room>:b`). A compaction puts its merged record
// at the position of the last record it replaced (base grows by count − 1), so the records after
// it keep theirs; a damaged record is overwritten in place by an empty update. A node that has
// read everything before position p reads what came since with `readFrom(p)`.

/**
 * The scripts below start with this: when the store serves a relay (`keptIn`), a room that is
 * not kept takes no write, so a node cannot write back a space another node forgot.
 */
const KEPT_ONLY = `
if ARGV[1] ~= '' and redis.call('HEXISTS', ARGV[1], ARGV[2]) == 0 then return -1 end
`;

/** Append ARGV[3]; returns the position after it (KEYS = updates, base). */
const APPEND = `${KEPT_ONLY}
local length = redis.call('RPUSH', KEYS[1], ARGV[3])
return tonumber(redis.call('GET', KEYS[2]) or '0') + length
`;

/**
 * Replace the first ARGV[4] records with ARGV[5], unless another compaction came first (epoch
 * ARGV[3]); KEYS = updates, compactions, base.
 */
const COMPACT = `${KEPT_ONLY}
if (redis.call('GET', KEYS[2]) or '0') ~= ARGV[3] then return 0 end
local count = tonumber(ARGV[4])
redis.call('LTRIM', KEYS[1], count, -1)
redis.call('LPUSH', KEYS[1], ARGV[5])
redis.call('INCR', KEYS[2])
redis.call('INCRBY', KEYS[3], count - 1)
return 1
`;

/** Every record and the position after the last (KEYS = updates, base). */
const LOAD = `
local base = tonumber(redis.call('GET', KEYS[2]) or '0')
local records = redis.call('LRANGE', KEYS[1], 0, -1)
table.insert(records, 1, tostring(base + #records))
return records
`;

/**
 * The records from position ARGV[1] on, preceded by the position after the last and whether the
 * room is still kept (ARGV[2] the kept hash, '' for any, ARGV[3] the room); KEYS = updates, base.
 */
const READ_FROM = `
local base = tonumber(redis.call('GET', KEYS[2]) or '0')
local from = math.max(0, tonumber(ARGV[1]) - base)
local records = redis.call('LRANGE', KEYS[1], from, -1)
local kept = '1'
if ARGV[2] ~= '' and redis.call('HEXISTS', ARGV[2], ARGV[3]) == 0 then kept = '0' end
table.insert(records, 1, kept)
table.insert(records, 1, tostring(base + from + #records - 1))
return records
`;

/**
 * Empties a room: its records go, its positions and compaction count stay and move on (base
 * past the old end, the count by one), so a node that still holds the room reads a space kept
 * again from its start, and a compaction begun before cannot land on it. KEYS = updates,
 * quarantine, compactions, base.
 */
const REMOVE = `
redis.call('INCRBY', KEYS[4], redis.call('LLEN', KEYS[1]))
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('INCR', KEYS[3])
return 1
`;

/** Overwrite damaged record ARGV[1] in place with ARGV[2] and keep it aside (KEYS = updates, quarantine). */
const SET_ASIDE = `
local at = redis.call('LPOS', KEYS[1], ARGV[1])
if not at then return 0 end
redis.call('LSET', KEYS[1], at, ARGV[2])
redis.call('RPUSH', KEYS[2], ARGV[1])
return 1
`;

/** An update that changes nothing: what a damaged record becomes, keeping its position. */
const EMPTY_UPDATE = Buffer.from([0, 0]);

/** A room name is a hex room id (or a test's name): nothing that could break the key layout. */
function checkRoom(room: string): void {
	if (!/^[A-Za-z0-9_-]{1,128}$/.test(room)) throw new StoreError('failed', 'bad room name');
}

/** What Redis's error means for the caller: out of memory is 'full', anything else 'failed'. */
function storeError(error: unknown): StoreError {
	if (error instanceof StoreError) return error;
	const text = error instanceof Error ? error.message : '';
	return /OOM|maxmemory|No space left|ENOSPC/i.test(text)
		? new StoreError('full', 'the relay’s store is full')
		: new StoreError('failed', error instanceof Error ? error.name : 'write failed');
}

const plain = (value: Buffer) => new Uint8Array(value.buffer, value.byteOffset, value.byteLength);

export interface RedisLogStoreOptions {
	/** A relay's kept spaces (a hash): rooms not in it take no write (see KEPT_ONLY). */
	keptIn?: string;
}

export class RedisLogStore implements LogStore {
	readonly redis: Redis;
	readonly keptIn: string;
	/** Test hook: while set, every write fails with this. */
	failing: StoreError | null = null;
	/** Test hook: every commit waits this long first. */
	commitMs = 0;

	constructor(redis: Redis, options: RedisLogStoreOptions = {}) {
		this.redis = redis;
		this.keptIn = options.keptIn ?? '';
	}

	async open(room: string): Promise<RedisLog> {
		checkRoom(room);
		const count = await this.#run(() => this.redis.llen(keys(room).updates));
		return new RedisLog(room, this, count);
	}

	async remove(room: string): Promise<void> {
		checkRoom(room);
		const { updates, quarantine, compactions, base } = keys(room);
		await this.#run(() => this.redis.eval(REMOVE, 4, updates, quarantine, compactions, base));
	}

	async copy(from: string, to: string): Promise<number> {
		checkRoom(from);
		checkRoom(to);
		const records = await this.#run(() => this.redis.lrangeBuffer(keys(from).updates, 0, -1));
		if (records.length > 0) await this.commit(() => this.redis.rpush(keys(to).updates, ...records));
		return records.length;
	}

	/** @internal Runs one write: the fault hooks first, then Redis, errors as StoreErrors. */
	async commit<T>(write: () => Promise<T>): Promise<T> {
		if (this.failing) throw this.failing;
		if (this.commitMs > 0) await new Promise((resolve) => setTimeout(resolve, this.commitMs));
		return this.#run(write);
	}

	async #run<T>(command: () => Promise<T>): Promise<T> {
		try {
			return await command();
		} catch (error) {
			throw storeError(error);
		}
	}
}

/**
 * What a script answered with -1: the room is not kept (any more). 'closed': persist() does not
 * retry it (a retry would write a forgotten space back).
 */
const notKept = () => new StoreError('closed', 'this space is not kept here any more');

/**
 * One room's log. Besides the StoredLog every store is, it knows positions (see above): `end`,
 * the position after the last record it loaded, read or wrote, and `readFrom`, what other nodes
 * stored since a position.
 */
export class RedisLog implements StoredLog {
	readonly room: string;
	readonly #store: RedisLogStore;
	#records: number;
	#end = 0;
	/** This handle has every record before this position (loaded, read or written here). */
	#seen = 0;
	/** Where each update this handle appended ends (what a node tells the others). */
	readonly #ends = new WeakMap<Uint8Array, number>();
	#closed = false;

	constructor(room: string, store: RedisLogStore, records: number) {
		this.room = room;
		this.#store = store;
		this.#records = records;
	}

	get records(): number {
		return this.#records;
	}

	/** The position after the last record this handle loaded, read or wrote. */
	get end(): number {
		return this.#end;
	}

	/** This handle has every record before this position: read on from here. */
	get seen(): number {
		return this.#seen;
	}

	async load(): Promise<Loaded> {
		this.#check();
		const { redis } = this.#store;
		const { updates: key, quarantine, base } = keys(this.room);
		const [end, ...records] = (await this.#store.commit(() =>
			redis.callBuffer('EVAL', [LOAD, 2, key, base])
		)) as Buffer[];
		const updates: Uint8Array[] = [];
		const damaged: Buffer[] = [];
		for (const record of records) {
			if (isUpdateRecord(plain(record))) updates.push(plain(record));
			else damaged.push(record);
		}
		for (const record of damaged) {
			// Set aside (kept under `q`, never deleted), its position kept by an empty update.
			await this.#store.commit(() =>
				redis.eval(SET_ASIDE, 2, key, quarantine, record, EMPTY_UPDATE)
			);
		}
		this.#records = records.length;
		this.#end = Math.max(this.#end, Number(end));
		this.#seen = Math.max(this.#seen, Number(end));
		return { updates, damaged: damaged.length };
	}

	/**
	 * What was stored from `position` on (by any node), and the position after it. Damaged
	 * records are skipped (the next load sets them aside).
	 */
	async readFrom(position: number): Promise<{ updates: Uint8Array[]; end: number; kept: boolean }> {
		this.#check();
		const { updates: key, base } = keys(this.room);
		const [end, kept, ...records] = (await this.#store.commit(() =>
			this.#store.redis.callBuffer('EVAL', [
				READ_FROM,
				2,
				key,
				base,
				String(position),
				this.#store.keptIn,
				this.room
			])
		)) as Buffer[];
		this.#end = Math.max(this.#end, Number(end));
		if (position <= this.#seen) this.#seen = Math.max(this.#seen, Number(end));
		return {
			updates: records.map(plain).filter(isUpdateRecord),
			end: Number(end),
			kept: String(kept) === '1'
		};
	}

	async append(update: Uint8Array): Promise<void> {
		this.#check();
		const { updates: key, base } = keys(this.room);
		const end = await this.#store.commit(() =>
			this.#store.redis.eval(
				APPEND,
				2,
				key,
				base,
				this.#store.keptIn,
				this.room,
				Buffer.from(update)
			)
		);
		if (end === -1) throw notKept();
		this.#records++;
		this.#end = Math.max(this.#end, Number(end));
		this.#ends.set(update, Number(end));
		// Right after what this handle has: nothing in between to read (this node wrote it).
		this.advance(Number(end));
	}

	/** The position after `update`, if this handle appended it. */
	endOf(update: Uint8Array): number | undefined {
		return this.#ends.get(update);
	}

	/**
	 * The record before `end` was applied here (written here, or passed on whole by the node
	 * that wrote it): if it was the next one this handle lacked, its position moves on.
	 */
	advance(end: number): boolean {
		if (end - 1 !== this.#seen) return false;
		this.#seen = end;
		this.#end = Math.max(this.#end, end);
		return true;
	}

	async compact(state: Uint8Array): Promise<void> {
		this.#check();
		const { redis } = this.#store;
		const { updates: key, compactions, base } = keys(this.room);
		// What is there now, and which compaction it follows, read together.
		const read = await this.#store.commit(() =>
			redis.multi().get(compactions).lrangeBuffer(key, 0, -1).exec()
		);
		const epoch = (read?.[0]?.[1] as string | null) ?? '0';
		const records = (read?.[1]?.[1] as Buffer[] | undefined) ?? [];
		const merged = Y.mergeUpdates([state, ...records.map(plain).filter(isUpdateRecord)]);
		const done = await this.#store.commit(() =>
			redis.eval(
				COMPACT,
				3,
				key,
				compactions,
				base,
				this.#store.keptIn,
				this.room,
				epoch,
				String(records.length),
				Buffer.from(merged)
			)
		);
		if (done === -1) throw notKept();
		// Another node compacted first: its record holds the same, so nothing is lost by waiting.
		if (done === 1) this.#records = await this.#store.commit(() => redis.llen(key));
	}

	async close(): Promise<void> {
		this.#closed = true;
	}

	#check() {
		if (this.#closed) throw new StoreError('closed');
	}
}

/** The records a room set aside (for tests and an operator's health check). */
export async function quarantined(redis: Redis, room: string): Promise<number> {
	return redis.llen(keys(room).quarantine);
}

/** Test hook: writes a record that is not a Yjs update into a room, as damage would. */
export async function damage(redis: Redis, room: string): Promise<void> {
	await redis.rpush(keys(room).updates, Buffer.from([0xff, 0xff]));
}

/**
 * Keep a space if the quota allows, in one step for every node: KEYS = the kept hash, the
 * address's count; ARGV = room, sealed capability, maxKept, maxKeptPerAddress, window (s).
 */
const KEEP = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return 'kept' end
if tonumber(redis.call('GET', KEYS[2]) or '0') >= tonumber(ARGV[4]) then return 'too-many-rooms' end
if redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then return 'relay-full' end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
if redis.call('INCR', KEYS[2]) == 1 then redis.call('EXPIRE', KEYS[2], ARGV[5]) end
return 'kept'
`;

/** The hash of the spaces a relay service keeps (and the `keptIn` of its RedisLogStore). */
export const KEPT_HASH = 'cp:kept';

/** The shortest service secret taken (it keys the address hashes and seals capabilities). */
export const SERVICE_SECRET_MIN = 32;

/**
 * The spaces the relay service keeps, a hash `cp:kept` in Redis, and how many each address asked
 * for lately, `cp:kb:<hash>`. Redis learns neither the capabilities nor the addresses: each
 * capability is sealed (AES-256-GCM, bound to its room) and each address replaced by a keyed
 * hash (HMAC-SHA-256), both under keys derived from the service's secret, which every node is
 * given (SERVICE_SECRET) and Redis never is. Guessing an address from its hash takes the secret.
 */
export class RedisKeptSpaces implements KeptSpaces {
	readonly #redis: Redis;
	readonly #sealKey: Buffer;
	readonly #hashKey: Buffer;
	readonly #log: (line: string) => void;

	constructor(redis: Redis, secret: string, log: (line: string) => void = () => {}) {
		if (secret.length < SERVICE_SECRET_MIN) {
			throw new Error(`The service secret must be at least ${SERVICE_SECRET_MIN} characters.`);
		}
		this.#redis = redis;
		const derive = (info: string) =>
			Buffer.from(hkdfSync('sha256', secret, 'commonplace relay service', info, 32));
		this.#sealKey = derive('kept capabilities');
		this.#hashKey = derive('address counts');
		this.#log = log;
	}

	async get(room: string): Promise<Uint8Array | null> {
		checkRoom(room);
		const sealed = await this.#redis.hgetBuffer(KEPT_HASH, room);
		if (sealed === null) return null;
		const capability = this.#open(room, sealed);
		if (capability === null) {
			// Treated as not kept (the space's editors can ask again), and said once per ask.
			this.#log(
				'relay: a kept space’s capability does not open with this SERVICE_SECRET (changed, or the nodes differ?)'
			);
		}
		return capability;
	}

	async add(
		room: string,
		capability: Uint8Array,
		address: string,
		quota: KeepQuota
	): Promise<KeepRefusal | null> {
		checkRoom(room);
		const verdict = await this.#redis.eval(
			KEEP,
			2,
			KEPT_HASH,
			`cp:kb:${this.addressHash(address)}`,
			room,
			this.#seal(room, capability),
			quota.maxKept,
			quota.maxKeptPerAddress,
			Math.ceil(KEEP_WINDOW_MS / 1000)
		);
		return verdict === 'kept' ? null : (verdict as KeepRefusal);
	}

	async delete(room: string): Promise<void> {
		checkRoom(room);
		await this.#redis.hdel(KEPT_HASH, room);
	}

	async count(): Promise<number> {
		return this.#redis.hlen(KEPT_HASH);
	}

	/** What Redis holds in place of an address: its keyed hash (128 bits, base64url). */
	addressHash(address: string): string {
		return createHmac('sha256', this.#hashKey)
			.update(address)
			.digest()
			.subarray(0, 16)
			.toString('base64url');
	}

	#seal(room: string, capability: Uint8Array): Buffer {
		const nonce = randomBytes(12);
		const cipher = createCipheriv('aes-256-gcm', this.#sealKey, nonce);
		cipher.setAAD(Buffer.from(room));
		const body = Buffer.concat([cipher.update(capability), cipher.final()]);
		return Buffer.concat([nonce, body, cipher.getAuthTag()]);
	}

	#open(room: string, sealed: Buffer): Uint8Array | null {
		if (sealed.length < 12 + 16) return null;
		try {
			const decipher = createDecipheriv('aes-256-gcm', this.#sealKey, sealed.subarray(0, 12));
			decipher.setAAD(Buffer.from(room));
			decipher.setAuthTag(sealed.subarray(sealed.length - 16));
			return plain(
				Buffer.concat([decipher.update(sealed.subarray(12, sealed.length - 16)), decipher.final()])
			);
		} catch {
			// reason: a record sealed under another secret (or damaged) fails its tag: not kept.
			return null;
		}
	}
}
