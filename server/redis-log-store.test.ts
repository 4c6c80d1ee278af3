// The relay service's shared store on Redis runs the LogStore contract every store runs
// (tests/contracts/log-store.ts), on a real redis-server with an append-only file fsynced on
// every write; plus what only a shared store shows: two nodes' appends and compactions in one
// room lose nothing, and an acknowledged append survives Redis being killed (SIGKILL).
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { StoreError } from '../src/lib/storage/log-store';
import { runLogStoreContract } from '../tests/contracts/log-store';
import { redisMissing, startRedis, type RedisProcess } from '../tests/support/redis';
import { damage, quarantined, RedisLogStore } from './redis-log-store';

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
