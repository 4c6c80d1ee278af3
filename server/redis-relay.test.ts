// A relay service of two nodes sharing one Redis (REDIS_URL), each the compiled server in a
// process of its own, is one relay to the app: an update a member sends to node 1 reaches a
// member on node 2 and what node 1 stored serves a newcomer on node 2; node 1 killed (SIGKILL)
// in the middle of a burst, its member carries on through the same address (a failover proxy,
// as a load balancer) on node 2, and nothing that was acknowledged is lost; Redis killed and
// started again, the nodes carry on by themselves.
import { fork, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import * as capability from '../src/lib/crypto/capability';
import { signingKeys } from '../src/lib/crypto/signing';
import * as pages from '../src/lib/doc/pages';
import { createContentDoc, pagesMap } from '../src/lib/doc/schema';
import { Bridge } from '../src/lib/log/bridge';
import { createLogDoc } from '../src/lib/log/log-doc';
import { RelayTransport } from '../src/lib/sync/relay-transport';
import { decodeFrame, FRAME } from '../src/lib/sync/relay-wire';
import { buildServer } from '../scripts/build-server.js';
import { failoverProxy } from '../tests/support/failover-proxy';
import { redisMissing, startRedis, type RedisProcess } from '../tests/support/redis';

if (redisMissing) console.warn(`Skipping the Redis relay tests: ${redisMissing}`);

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
	for (const step of cleanup.splice(0).reverse()) await step();
});

beforeAll(async () => {
	if (!redisMissing) await buildServer();
}, 120_000);

async function until(check: () => boolean, ms = 15_000, what = 'a condition') {
	const end = Date.now() + ms;
	while (!check()) {
		if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
}

/** The secret the nodes of a service share (never given to Redis). */
const SERVICE_SECRET = 'a test service secret, the same on every node';

/** A node of the service: the compiled server in its own process, on Redis. */
async function node(
	redisUrl: string,
	quotas: Record<string, number> = {}
): Promise<{ url: string; port: number; child: ChildProcess }> {
	const dataDir = mkdtempSync(join(tmpdir(), 'cp-node-'));
	cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
	const script = fileURLToPath(new URL('../tests/adversary/relay-child.mjs', import.meta.url));
	const child = fork(
		script,
		[JSON.stringify({ dataDir, redisUrl, serviceSecret: SERVICE_SECRET, quotas })],
		{
			stdio: ['ignore', 'inherit', 'inherit', 'ipc']
		}
	);
	cleanup.push(() => child.kill('SIGKILL'));
	const url = await new Promise<string>((resolve, reject) => {
		child.once('exit', (code) => reject(new Error(`node exited (${code})`)));
		child.on('message', (message: { type?: string; url?: string }) => {
			if (message.type === 'ready') resolve(message.url as string);
		});
	});
	return { url, port: Number(new URL(url).port), child };
}

async function service(quotas: Record<string, number> = {}): Promise<{
	redis: RedisProcess;
	nodes: Awaited<ReturnType<typeof node>>[];
}> {
	const redis = await startRedis(true);
	cleanup.push(() => redis.stop());
	return { redis, nodes: [await node(redis.url, quotas), await node(redis.url, quotas)] };
}

/** An editor of `cap` (content doc, bridge, log doc) whose log syncs with the relay at `url`. */
async function member(
	cap: capability.EditCapability,
	url: string,
	keep: boolean,
	onKept?: (vector: Map<number, number>) => void
) {
	const content = createContentDoc();
	const log = createLogDoc();
	const bridge = await Bridge.create({
		content,
		log,
		cap,
		...(await signingKeys(cap)),
		idleMs: 3_600_000
	});
	cleanup.push(() => bridge.destroy());
	// The socket is tapped to learn every KEPT the relay sends: what was acknowledged.
	class Tapped extends WebSocket {
		constructor(address: string) {
			super(address);
			this.on('message', (data: ArrayBuffer | Buffer) => {
				const frame = decodeFrame(new Uint8Array(data as ArrayBuffer));
				if (frame?.type === FRAME.kept) onKept?.(Y.decodeStateVector(frame.stateVector));
			});
			// reason: nodes are killed on purpose here; the transport reconnects by itself.
			this.on('error', () => {});
		}
	}
	const transport = new RelayTransport({
		log,
		cap,
		urls: [`${url}/relay`],
		keep,
		WebSocket: Tapped as unknown as typeof globalThis.WebSocket
	});
	cleanup.push(() => transport.destroy());
	return { content, log, bridge, transport };
}

const titles = (content: Y.Doc) =>
	[...pagesMap(content).values()].map((page) => String(page.get('title'))).sort();
const covers = (held: Map<number, number>, wanted: Map<number, number>) =>
	[...wanted].every(([client, clock]) => (held.get(client) ?? 0) >= clock);
const vectorOf = (doc: Y.Doc) => Y.decodeStateVector(Y.encodeStateVector(doc));

describe.skipIf(redisMissing !== null)('a relay service of two nodes on Redis', () => {
	it('an update sent to node 1 reaches a member on node 2, and node 2 serves what node 1 stored', async () => {
		const { nodes } = await service();
		const [one, two] = nodes as [
			Awaited<ReturnType<typeof node>>,
			Awaited<ReturnType<typeof node>>
		];
		const cap = capability.fromSecret(capability.newSecret());
		const alice = await member(cap, one.url, true);
		await until(() => alice.transport.status.peers === 1, 15_000, 'Alice to join node 1');
		const bob = await member(cap, two.url, false);
		await until(() => bob.transport.status.peers === 1, 15_000, 'Bob to join node 2');

		pages.createPage(alice.content, { title: 'Written on node one' });
		await until(() => titles(bob.content).includes('Written on node one'), 15_000, 'Bob to get it');
		pages.createPage(bob.content, { title: 'Answered on node two' });
		await until(() => titles(alice.content).includes('Answered on node two'), 15_000, 'Alice');
		// Both are told their relay keeps everything they hold.
		await until(() => alice.transport.status.inSync === 1 && bob.transport.status.inSync === 1);

		// Carol, later, on node 2 only: the shared store has it all.
		const carol = await member(cap, two.url, false);
		await until(() => titles(carol.content).length === 2, 15_000, 'Carol');
		expect(titles(carol.content)).toEqual(['Answered on node two', 'Written on node one']);
	}, 60_000);

	it('node 1 killed mid-burst: its member carries on through the same address, nothing acknowledged is lost', async () => {
		const { nodes } = await service();
		const [one, two] = nodes as [
			Awaited<ReturnType<typeof node>>,
			Awaited<ReturnType<typeof node>>
		];
		const proxy = await failoverProxy([one.port, two.port]);
		cleanup.push(() => proxy.close());
		const cap = capability.fromSecret(capability.newSecret());
		let acknowledged = new Map<number, number>();
		const writer = await member(cap, proxy.url, true, (vector) => (acknowledged = vector));
		await until(() => writer.transport.status.peers === 1, 15_000, 'the writer to join');

		let written = 0;
		const burst = (async () => {
			for (; written < 300; written++) {
				pages.createPage(writer.content, { title: `page ${written}` });
				await writer.bridge.flush();
				if (written % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 2));
			}
		})();
		await until(() => [...acknowledged.values()].some((clock) => clock > 30), 15_000, 'KEPT');
		const gone = new Promise((resolve) => one.child.once('exit', resolve));
		one.child.kill('SIGKILL');
		await gone;
		const lastKept = acknowledged;
		await burst;

		// A newcomer through the same address (now node 2) gets everything acknowledged…
		const newcomer = createLogDoc();
		const reader = new RelayTransport({
			log: newcomer,
			cap,
			urls: [`${proxy.url}/relay`],
			keep: false,
			WebSocket: WebSocket as unknown as typeof globalThis.WebSocket
		});
		cleanup.push(() => reader.destroy());
		await until(() => covers(vectorOf(newcomer), lastKept), 20_000, 'the acknowledged entries');
		// …and the writer, back by itself on node 2, has the relay hold all 300 pages again.
		await until(() => writer.transport.status.inSync === 1, 30_000, 'the writer back in sync');
		await until(() => covers(vectorOf(newcomer), vectorOf(writer.log)), 20_000, 'everything');
		console.log(
			`acknowledged before node 1 died: ${JSON.stringify([...lastKept])}; all: ${JSON.stringify([...vectorOf(writer.log)])}`
		);
	}, 90_000);

	it('one address’s keep quota counts on every node, and Redis never sees the address or a capability', async () => {
		const { redis, nodes } = await service({ maxKeptPerAddress: 2 });
		const [one, two] = nodes as [
			Awaited<ReturnType<typeof node>>,
			Awaited<ReturnType<typeof node>>
		];
		const caps = [0, 1, 2].map(() => capability.fromSecret(capability.newSecret()));
		// From 127.0.0.1 each time: the first space kept on node 1, the second on node 2…
		const first = await member(caps[0]!, one.url, true);
		await until(() => first.transport.relays[0]?.kept === true, 15_000, 'the first kept');
		const second = await member(caps[1]!, two.url, true);
		await until(() => second.transport.relays[0]?.kept === true, 15_000, 'the second kept');
		// …and the third, on node 1 again, is over the address's quota of two, counted together.
		const third = await member(caps[2]!, one.url, true);
		await until(() => third.transport.relays[0]?.refused !== null, 15_000, 'the third refused');
		expect(third.transport.relays[0]?.refused).toBe('too-many-rooms');
		expect(third.transport.relays[0]?.kept).toBe(false);

		// Everything Redis holds: no address, no capability, only rooms, ciphertext and counts.
		const client = new Redis(redis.url);
		cleanup.push(() => client.disconnect());
		const held: Buffer[] = [];
		for (const key of await client.keys('*')) {
			held.push(Buffer.from(key));
			const type = await client.type(key);
			if (type === 'hash') {
				for (const [field, value] of Object.entries(await client.hgetallBuffer(key))) {
					held.push(Buffer.from(field), value);
				}
			} else if (type === 'list') held.push(...(await client.lrangeBuffer(key, 0, -1)));
			else if (type === 'string') held.push((await client.getBuffer(key)) as Buffer);
		}
		const everything = Buffer.concat(held);
		expect(everything.includes(Buffer.from('127.0.0.1'))).toBe(false);
		for (const cap of caps) {
			const relayCap = capability.toRelay(cap);
			expect(everything.includes(Buffer.from(relayCap.relayKey))).toBe(false);
		}
		expect(await client.hlen('cp:kept')).toBe(2);
		expect((await client.keys('cp:kb:*')).length).toBe(1);
	}, 60_000);

	it('Redis killed and started again: the nodes carry on by themselves', async () => {
		const { redis, nodes } = await service();
		const [one, two] = nodes as [
			Awaited<ReturnType<typeof node>>,
			Awaited<ReturnType<typeof node>>
		];
		const cap = capability.fromSecret(capability.newSecret());
		const alice = await member(cap, one.url, true);
		await until(() => alice.transport.status.peers === 1, 15_000, 'Alice');
		const bob = await member(cap, two.url, false);
		await until(() => bob.transport.status.peers === 1, 15_000, 'Bob');
		pages.createPage(alice.content, { title: 'before' });
		await until(() => titles(bob.content).includes('before'), 15_000, 'before');

		await redis.kill();
		await redis.restart();
		// Live updates and "kept" come back without anyone restarting anything.
		pages.createPage(alice.content, { title: 'after' });
		await until(() => titles(bob.content).includes('after'), 30_000, 'after');
		await until(() => alice.transport.status.inSync === 1, 30_000, 'Alice kept again');
		const carol = await member(cap, two.url, false);
		await until(() => titles(carol.content).length === 2, 15_000, 'Carol');
	}, 90_000);
});
