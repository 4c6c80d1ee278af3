// The relay service's shared store on Redis runs the LogStore contract every store runs
// (tests/contracts/log-store.ts), on a real redis-server with an append-only file fsynced on
// every write; plus what only a shared store shows: two nodes' appends and compactions in one
// room lose nothing, and an acknowledged append survives Redis being killed (SIGKILL).
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { StoreError } from '../src/lib/storage/log-store';
import { runLogStoreContract } from '../tests/contracts/log-store';
import { redisMissing, startRedis, type RedisProcess } from '../tests/support/redis';
import { damage, quarantined, RedisKeptSpaces, RedisLogStore } from './redis-log-store';

if (redisMissing) console.warn(`Skipping the Redis store tests: ${redisMissing}`);

let redis: RedisProcess;
beforeAll(async () => {
	if (!redisMissing) redis = await startRedis(true);
});
afterAll(async () => {
	await redis?.stop();
});

let rooms = 0;
const connect = () => new Redis(redis.url, { maxRetriesPerRequest: 1, lazyConnect: false });

describe.skipIf(redisMissing !== null)('Redis store', () => {
	runLogStoreContract('Redis (relay service)', async () => {
		const client = connect();
		// Each harness its own rooms: the contract's names with a prefix, on one server.
		const prefix = `h${++rooms}-`;
		const made: RedisLogStore[] = [];
		let failing: StoreError | null = null;
		let commitMs = 0;
		const prefixed = (store: RedisLogStore) =>
			({
				open: (room: string) => store.open(prefix + room),
				remove: (room: string) => store.remove(prefix + room),
				copy: (from: string, to: string) => store.copy(prefix + from, prefix + to)
			}) as RedisLogStore;
		return {
			store: () => {
				const next = new RedisLogStore(client);
				next.failing = failing;
				next.commitMs = commitMs;
				made.push(next);
				return prefixed(next);
			},
			damage: (room) => damage(client, prefix + room),
			quarantined: (room) => quarantined(client, prefix + room),
			full: (on) => {
				failing = on ? new StoreError('full', 'the disk is full') : null;
				for (const each of made) each.failing = failing;
			},
			slowCommits: (ms) => {
				commitMs = ms;
				for (const each of made) each.commitMs = ms;
			},
			cleanup: async () => {
				client.disconnect();
			}
		};
	});

	it('two nodes appending and compacting one room lose nothing', async () => {
		const [one, two] = [connect(), connect()];
		try {
			const room = `shared-${++rooms}`;
			const logs = [
				await new RedisLogStore(one).open(room),
				await new RedisLogStore(two).open(room)
			];
			const docs = [new Y.Doc(), new Y.Doc()];
			const written: string[] = [];
			for (let i = 0; i < 200; i++) {
				const side = i % 2;
				const doc = docs[side] as Y.Doc;
				const text = `entry ${i}`;
				written.push(text);
				let update: Uint8Array | null = null;
				doc.once('update', (u: Uint8Array) => (update = u));
				doc.getArray('log').push([text]);
				const appended = (logs[side] as Awaited<ReturnType<RedisLogStore['open']>>).append(
					update as unknown as Uint8Array
				);
				// Now and then the other node compacts at the same moment.
				if (i % 25 === 0) {
					const other = logs[1 - side] as Awaited<ReturnType<RedisLogStore['open']>>;
					await Promise.all([
						appended,
						other.compact(Y.encodeStateAsUpdate(docs[1 - side] as Y.Doc))
					]);
				} else await appended;
			}
			const loaded = await (await new RedisLogStore(connect()).open(room)).load();
			const copy = new Y.Doc();
			for (const update of loaded.updates) Y.applyUpdate(copy, update);
			expect(copy.getArray<string>('log').toArray().sort()).toEqual([...written].sort());
		} finally {
			one.disconnect();
			two.disconnect();
		}
	}, 30_000);

	it('positions: read on from one, across a compaction and a damaged record set aside', async () => {
		const client = connect();
		try {
			const room = `positions-${++rooms}`;
			const store = new RedisLogStore(client);
			const log = await store.open(room);
			await log.load();
			const doc = new Y.Doc();
			const updates: Uint8Array[] = [];
			doc.on('update', (update: Uint8Array) => updates.push(update));
			for (let i = 0; i < 4; i++) doc.getArray('log').push([`entry ${i}`]);
			for (const update of updates.slice(0, 3)) await log.append(update);
			expect(log.end).toBe(3);
			const reader = await store.open(room);
			expect((await reader.readFrom(1)).updates).toEqual(updates.slice(1, 3));
			// Compacted: the merged record takes position 2, the one after it stays at 3.
			await log.compact(Y.encodeStateAsUpdate(doc));
			await log.append(updates[3] as Uint8Array);
			const after = await reader.readFrom(3);
			expect(after).toEqual({ updates: [updates[3]], end: 4, kept: true });
			const fromOne = await reader.readFrom(1);
			expect(fromOne.end).toBe(4);
			expect(fromOne.updates).toHaveLength(2);
			// A damaged record is set aside in place: positions after it do not move.
			await damage(client, room);
			const loaded = await (await store.open(room)).load();
			expect(loaded.damaged).toBe(1);
			expect((await reader.readFrom(4)).end).toBe(5);
			// A store serving a relay writes only rooms that are kept.
			const relayStore = new RedisLogStore(client, { keptIn: `kept-${room}` });
			const refused = await relayStore.open(room);
			await expect(refused.append(updates[0] as Uint8Array)).rejects.toThrow(/not kept/);
			await client.hset(`kept-${room}`, room, 'x');
			await refused.append(updates[0] as Uint8Array);
		} finally {
			client.disconnect();
		}
	});

	it('an acknowledged append survives Redis killed with SIGKILL', async () => {
		const client = connect();
		const room = `crash-${++rooms}`;
		const log = await new RedisLogStore(client).open(room);
		const doc = new Y.Doc();
		const updates: Uint8Array[] = [];
		doc.on('update', (update: Uint8Array) => updates.push(update));
		for (let i = 0; i < 100; i++) doc.getArray('log').push([`kept ${i}`]);
		for (const update of updates) await log.append(update);
		client.disconnect();
		await redis.kill();
		await redis.restart();
		const again = connect();
		try {
			const loaded = await (await new RedisLogStore(again).open(room)).load();
			const copy = new Y.Doc();
			for (const update of loaded.updates) Y.applyUpdate(copy, update);
			expect(copy.getArray('log').length).toBe(100);
		} finally {
			again.disconnect();
		}
	}, 30_000);
});

describe.skipIf(redisMissing !== null)('Redis kept spaces (the shared keep quota)', () => {
	const SECRET = 'the secret every node of this test service shares';
	const quota = { maxKept: 100, maxKeptPerAddress: 3 };
	const capabilityOf = (n: number) => new Uint8Array(64).fill(n + 1);
	let clients: Redis[] = [];
	const node = () => {
		const client = connect();
		clients.push(client);
		return new RedisKeptSpaces(client, SECRET);
	};
	beforeEach(async () => {
		const client = connect();
		await client.flushdb();
		client.disconnect();
	});
	afterEach(() => {
		for (const client of clients) client.disconnect();
		clients = [];
	});

	it('asks from one address on two nodes at once keep at most its quota', async () => {
		const [one, two] = [node(), node()];
		const verdicts = await Promise.all(
			Array.from({ length: 12 }, (_, i) =>
				(i % 2 ? one : two).add(`room-${i}`, capabilityOf(i), '198.51.100.7', quota)
			)
		);
		expect(verdicts.filter((verdict) => verdict === null)).toHaveLength(3);
		expect(verdicts.filter((verdict) => verdict === 'too-many-rooms')).toHaveLength(9);
		expect(await one.count()).toBe(3);
		// Another address has a quota of its own.
		expect(await two.add('room-other', capabilityOf(50), '198.51.100.8', quota)).toBeNull();
		// Keeping a space kept already counts nothing.
		const kept = verdicts.indexOf(null);
		expect(await one.add(`room-${kept}`, capabilityOf(kept), '198.51.100.9', quota)).toBeNull();
		expect(await one.count()).toBe(4);
	});

	it('the relay’s total holds across nodes asking at once', async () => {
		const [one, two] = [node(), node()];
		const verdicts = await Promise.all(
			Array.from({ length: 10 }, (_, i) =>
				(i % 2 ? one : two).add(`room-${i}`, capabilityOf(i), `198.51.100.${i}`, {
					maxKept: 4,
					maxKeptPerAddress: 3
				})
			)
		);
		expect(verdicts.filter((verdict) => verdict === null)).toHaveLength(4);
		expect(verdicts.filter((verdict) => verdict === 'relay-full')).toHaveLength(6);
		expect(await two.count()).toBe(4);
		// A space forgotten makes room again.
		const kept = verdicts.indexOf(null);
		await one.delete(`room-${kept}`);
		expect(await two.add('room-late', capabilityOf(60), '198.51.100.60', quota)).toBeNull();
	});

	it('Redis holds a keyed hash for the address and a sealed capability, which opens on any node', async () => {
		const [one, two] = [node(), node()];
		const capability = capabilityOf(7);
		expect(await one.add('room-sealed', capability, '203.0.113.77', quota)).toBeNull();
		expect(await two.get('room-sealed')).toEqual(capability);
		const raw = connect();
		clients.push(raw);
		const keys = await raw.keys('*');
		expect(keys.sort()).toEqual(['cp:kb:' + one.addressHash('203.0.113.77'), 'cp:kept']);
		expect(keys.join()).not.toContain('203.0.113.77');
		const sealed = (await raw.hgetBuffer('cp:kept', 'room-sealed')) as Buffer;
		expect(sealed.includes(Buffer.from(capability.subarray(0, 16)))).toBe(false);
		// Another secret's hash differs; its node cannot open the capability (and says so).
		const lines: string[] = [];
		const stranger = new RedisKeptSpaces(
			raw,
			'another service secret, of the same length',
			(line) => lines.push(line)
		);
		expect(stranger.addressHash('203.0.113.77')).not.toBe(one.addressHash('203.0.113.77'));
		expect(await stranger.get('room-sealed')).toBeNull();
		expect(lines.join()).toMatch(/SERVICE_SECRET/);
		// A sealed capability moved to another room does not open there (it is bound to its room).
		await raw.hset('cp:kept', 'room-moved', sealed);
		expect(await one.get('room-moved')).toBeNull();
		expect(() => new RedisKeptSpaces(raw, 'short')).toThrow(/at least 32/);
	});
});
