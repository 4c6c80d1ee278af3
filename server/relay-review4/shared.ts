// Shared helpers for review 4 (not a test file itself): a relay service of two nodes on one real
// redis-server, each node a Relay wired by relay-server.ts's own redisService() (one ioredis
// connection for the store and the kept spaces, the node bus on redis-bus.js with the relay's
// `cp:relay:` prefix, Node's verifier), in this process so a test can reach a node's store. Clients are the app's RelaySession (kept-shared.ts) or raw frames (harness.ts).
import { Redis } from 'ioredis';
import * as Y from 'yjs';
import { redisMissing, startRedis, type RedisProcess } from '../../tests/support/redis';
import { createNodeVerifier } from '../node-verifier';
import type { RedisKeptSpaces, RedisLogStore } from '../redis-log-store';
import { redisService } from '../relay-server';
import { Relay, type RelayOptions, type SharedLog } from '../relay';
import { cleanup } from '../relay-review/harness';
import { createLogDoc } from '../../src/lib/log/log-doc';
import type { LogStore, StoredLog } from '../../src/lib/storage/log-store';
import { member, space } from '../relay-review2/kept-shared';
import { until } from '../relay-review/harness';

export { redisMissing };

/** The secret the nodes of a service share (never given to Redis). */
export const SERVICE_SECRET = 'review 4: the secret every node of this service shares';

export async function serviceRedis(persist = false): Promise<RedisProcess> {
	const redis = await startRedis(persist);
	cleanup.push(() => redis.stop());
	return redis;
}

export interface ServiceNode {
	relay: Relay;
	store: RedisLogStore;
	kept: RedisKeptSpaces;
	redis: Redis;
	/** The node bus's counts (redis-bus.js stats). */
	bus: { stats(): { redis: boolean; published: number; received: number; failed: number } };
}

/**
 * One node of the service, as relay-server.ts's redisStore() builds it. `wrapStore` may put a
 * LogStore around the node's RedisLogStore (a slow node, for instance).
 */
export async function serviceNode(
	url: string,
	options: Partial<RelayOptions> & { wrapStore?: (store: RedisLogStore) => LogStore } = {}
): Promise<ServiceNode> {
	const service = await redisService({ redisUrl: url, serviceSecret: SERVICE_SECRET });
	const { store, kept } = service;
	const { wrapStore, ...rest } = options;
	const relay = new Relay({
		...service,
		store: wrapStore ? wrapStore(store) : store,
		createVerifier: createNodeVerifier,
		...rest
	});
	service.deliverTo(relay);
	cleanup.push(async () => {
		await relay.close();
		await service.close();
	});
	return { relay, store, kept, redis: store.redis, bus: { stats: () => service.stats() } };
}

/** What Redis holds for `room` now: its log records merged into one doc (null: no records). */
export async function storedLog(url: string, room: string): Promise<Y.Doc | null> {
	const admin = new Redis(url);
	try {
		const records = await admin.lrangeBuffer(`cp:r:${room}:u`, 0, -1);
		if (records.length === 0) return null;
		const doc = new Y.Doc();
		for (const record of records) Y.applyUpdate(doc, record);
		return doc;
	} finally {
		admin.disconnect();
	}
}

/** Bytes of every record Redis holds for `room`. */
export async function storedBytes(url: string, room: string): Promise<number> {
	const admin = new Redis(url);
	try {
		const records = await admin.lrangeBuffer(`cp:r:${room}:u`, 0, -1);
		return records.reduce((sum, record) => sum + record.length, 0);
	} finally {
		admin.disconnect();
	}
}

/**
 * A node's store with some of each log's calls replaced (a slow load, a failing compaction):
 * `change(log)` gives the replacements, everything else goes to the real log.
 */
export function wrappedStore(
	inner: RedisLogStore,
	change: (log: Awaited<ReturnType<RedisLogStore['open']>>) => Partial<StoredLog & SharedLog>
): LogStore {
	return {
		async open(room: string): Promise<StoredLog & SharedLog> {
			const log = await inner.open(room);
			return {
				room: log.room,
				get records() {
					return log.records;
				},
				// A shared store's log: where it ends, and reading on (server/relay.ts's SharedLog).
				get end() {
					return log.end;
				},
				get seen() {
					return log.seen;
				},
				readFrom: (position: number) => log.readFrom(position),
				endOf: (update: Uint8Array) => log.endOf(update),
				advance: (end: number) => log.advance(end),
				load: () => log.load(),
				append: (update) => log.append(update),
				compact: (state) => log.compact(state),
				close: () => log.close(),
				...change(log)
			};
		},
		remove: (room: string) => inner.remove(room),
		copy: (from: string, to: string) => inner.copy(from, to)
	};
}

/** Alice on node `one` (who has the space kept) and Bob on node `two`, both joined and told KEPT. */
export async function aliceAndBob(one: ServiceNode, two: ServiceNode) {
	const { cap, relayCap, signer } = await space();
	const aliceLog = createLogDoc();
	const bobLog = createLogDoc();
	cleanup.push(
		() => aliceLog.destroy(),
		() => bobLog.destroy()
	);
	const alice = member(one.relay, relayCap, aliceLog, true);
	await until(() => alice.kept.length > 0);
	const bob = member(two.relay, relayCap, bobLog, false);
	await until(() => bob.kept.length > 0);
	return { cap, relayCap, signer, aliceLog, bobLog, alice, bob };
}
