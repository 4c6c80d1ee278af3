// Signaling past one process: two server nodes on one real redis-server (REDIS_URL) are one
// signaling service. Clients of one topic on different nodes hear each other's publishes once;
// a node holds a topic's Redis channel only while it has a client on the topic; stock y-webrtc
// clients on different nodes meet and sync; Redis killed and started again, the nodes carry on
// by themselves.
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startRedis, redisMissing, type RedisProcess } from '../tests/support/redis';
import { stockClient, type StockClient } from '../tests/support/processes';
import { startSignaling, type SignalingServer } from './signaling.js';

if (redisMissing) console.warn(`Skipping the Redis signaling tests: ${redisMissing}`);

const cleanup: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
	for (const step of cleanup.splice(0).reverse()) await step();
});

async function until(check: () => boolean | Promise<boolean>, ms = 10_000) {
	const end = Date.now() + ms;
	while (!(await check())) {
		if (Date.now() > end) throw new Error('timed out');
		await new Promise((resolve) => setTimeout(resolve, 25));
	}
}

async function cluster(nodes = 2): Promise<{ redis: RedisProcess; nodes: SignalingServer[] }> {
	const redis = await startRedis();
	cleanup.push(() => redis.stop());
	const started: SignalingServer[] = [];
	for (let i = 0; i < nodes; i++) {
		const node = await startSignaling({
			port: 0,
			host: '127.0.0.1',
			log: () => {},
			redisUrl: redis.url
		});
		cleanup.push(() => node.close());
		started.push(node);
	}
	return { redis, nodes: started };
}

/** A raw signaling client: what it received, as parsed JSON. */
async function client(url: string, topics: string[]) {
	const socket = new WebSocket(url);
	const received: Array<Record<string, unknown>> = [];
	socket.on('message', (data: Buffer) => received.push(JSON.parse(data.toString())));
	await new Promise((resolve, reject) => {
		socket.once('open', resolve);
		socket.once('error', reject);
	});
	cleanup.push(() => socket.close());
	socket.send(JSON.stringify({ type: 'subscribe', topics }));
	return {
		received,
		publish: (topic: string, data: unknown) =>
			socket.send(JSON.stringify({ type: 'publish', topic, data })),
		unsubscribe: (topic: string) =>
			socket.send(JSON.stringify({ type: 'unsubscribe', topics: [topic] })),
		close: () => socket.close()
	};
}

const channels = async (redis: RedisProcess) => {
	const admin = new Redis(redis.url);
	try {
		return ((await admin.pubsub('CHANNELS', 'cp:sig:*')) as string[]).sort();
	} finally {
		admin.disconnect();
	}
};

describe.skipIf(redisMissing !== null)('signaling on Redis, two nodes', () => {
	it('clients of one topic on different nodes hear each other once; channels follow local clients', async () => {
		const { redis, nodes } = await cluster();
		const [one, two] = nodes as [SignalingServer, SignalingServer];
		const alice = await client(one.url, ['room-a']);
		const bob = await client(two.url, ['room-a']);
		await until(async () => (await channels(redis)).length === 1);

		alice.publish('room-a', { hello: 'from node one' });
		await until(() =>
			bob.received.some((m) => (m.data as { hello?: string })?.hello === 'from node one')
		);
		bob.publish('room-a', { hello: 'from node two' });
		await until(() =>
			alice.received.some((m) => (m.data as { hello?: string })?.hello === 'from node two')
		);
		// Nobody gets a publish twice (a node never delivers its own back from Redis).
		await new Promise((resolve) => setTimeout(resolve, 200));
		const count = (list: typeof alice.received, hello: string) =>
			list.filter((m) => (m.data as { hello?: string })?.hello === hello).length;
		expect(count(alice.received, 'from node one')).toBe(1);
		expect(count(bob.received, 'from node one')).toBe(1);
		expect(count(alice.received, 'from node two')).toBe(1);
		expect(two.stats().fromNodes).toBe(1);

		// A topic nobody on a node has: that node holds no channel for it.
		const carol = await client(one.url, ['room-b']);
		await until(async () => (await channels(redis)).includes('cp:sig:room-b'));
		carol.unsubscribe('room-b');
		await until(async () => !(await channels(redis)).includes('cp:sig:room-b'));
		bob.close();
		alice.close();
		await until(async () => (await channels(redis)).length === 0);
	}, 30_000);

	it('stock y-webrtc clients on different nodes meet and sync', async () => {
		const { nodes } = await cluster();
		const room = `redis-interop-${Math.random().toString(36).slice(2)}`;
		const [one, two] = nodes as [SignalingServer, SignalingServer];
		let pair: [StockClient, StockClient] | null = null;
		for (let attempt = 1; pair === null; attempt++) {
			const a = stockClient(room, 'a room password', one.url);
			await a.waitFor((s) => s.subscribed);
			const b = stockClient(room, 'a room password', two.url);
			try {
				await Promise.all([
					a.waitFor((s) => s.peers > 0, 10_000),
					b.waitFor((s) => s.peers > 0, 10_000)
				]);
				pair = [a, b];
			} catch (error) {
				// Stock y-webrtc on Node's WebRTC now and then leaves an offer unanswered (see
				// interop.test.ts); a pair that has not met in 10 s is replaced, at most twice.
				a.stop();
				b.stop();
				if (attempt === 3) throw error;
			}
		}
		const [a, b] = pair;
		cleanup.push(() => a.stop());
		cleanup.push(() => b.stop());
		a.insert('met across nodes. ');
		await b.waitFor((s) => s.text.includes('met across nodes.'));
		expect(one.stats().nodes?.published).toBeGreaterThan(0);
		expect(two.stats().fromNodes).toBeGreaterThan(0);
	}, 60_000);

	it('Redis killed and started again: the nodes reconnect by themselves and carry on', async () => {
		const { redis, nodes } = await cluster();
		const [one, two] = nodes as [SignalingServer, SignalingServer];
		const alice = await client(one.url, ['room-r']);
		const bob = await client(two.url, ['room-r']);
		await until(async () => (await channels(redis)).length === 1);
		await redis.kill();
		// Meanwhile each node still serves its own clients.
		const carol = await client(one.url, ['room-r']);
		alice.publish('room-r', { n: 1 });
		await until(() => carol.received.some((m) => (m.data as { n?: number })?.n === 1));
		await redis.restart();
		await until(
			() => one.stats().nodes?.redis === true && two.stats().nodes?.redis === true,
			15_000
		);
		// Subscriptions come back with the connection: a publish crosses nodes again.
		await until(async () => {
			alice.publish('room-r', { n: 2 });
			await new Promise((resolve) => setTimeout(resolve, 100));
			return bob.received.some((m) => (m.data as { n?: number })?.n === 2);
		}, 15_000);
	}, 45_000);
});
