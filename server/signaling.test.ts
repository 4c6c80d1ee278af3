import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { withClients, withinDepth } from './frames.js';
import { addressKey, connectionGate } from './gate.js';
import { startSignaling, type SignalingServer } from './signaling.js';

interface Client {
	ws: WebSocket;
	received: Array<Record<string, unknown>>;
	next(
		predicate: (m: Record<string, unknown>) => boolean,
		ms?: number
	): Promise<Record<string, unknown>>;
	send(value: unknown): void;
	closed: Promise<number>;
}

let server: SignalingServer;
const clients: WebSocket[] = [];

beforeEach(async () => {
	server = await startSignaling({
		port: 0,
		log: () => undefined,
		messagesPerSecond: 10_000,
		burst: 10_000
	});
});
afterEach(async () => {
	clients.splice(0).forEach((ws) => ws.terminate());
	await server.close();
});

async function connect(url = server.url, options: WebSocket.ClientOptions = {}): Promise<Client> {
	const ws = new WebSocket(url, options);
	clients.push(ws);
	const received: Array<Record<string, unknown>> = [];
	const waiters: Array<() => void> = [];
	ws.on('message', (data) => {
		received.push(JSON.parse(data.toString()) as Record<string, unknown>);
		waiters.splice(0).forEach((wake) => wake());
	});
	const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
	await new Promise((resolve, reject) => {
		ws.once('open', resolve);
		ws.once('error', reject);
	});
	return {
		ws,
		received,
		closed,
		send: (value) =>
			ws.send(typeof value === 'string' || Buffer.isBuffer(value) ? value : JSON.stringify(value)),
		next(predicate, ms = 5_000) {
			return new Promise((resolve, reject) => {
				const timer = setTimeout(() => reject(new Error('no matching message')), ms);
				const check = () => {
					const found = received.find(predicate);
					if (found) {
						clearTimeout(timer);
						received.splice(received.indexOf(found), 1);
						resolve(found);
					} else waiters.push(check);
				};
				check();
			});
		}
	};
}

/** A round trip through the server, so everything sent before has been handled. */
async function flush(client: Client) {
	client.send({ type: 'ping' });
	await client.next((m) => m.type === 'pong');
}

describe('signaling server', () => {
	it('relays publishes to every subscriber of a topic, with the y-webrtc fields', async () => {
		const a = await connect();
		const b = await connect();
		const c = await connect();
		a.send({ type: 'subscribe', topics: ['room-1'] });
		b.send({ type: 'subscribe', topics: ['room-1', 'room-2'] });
		c.send({ type: 'subscribe', topics: ['room-2'] });
		await Promise.all([flush(a), flush(b), flush(c)]);
		a.send({ type: 'publish', topic: 'room-1', data: { type: 'announce', from: 'a' } });
		const got = await b.next((m) => m.type === 'publish');
		expect(got).toEqual({
			type: 'publish',
			topic: 'room-1',
			data: { type: 'announce', from: 'a' },
			clients: 2
		});
		await a.next((m) => m.type === 'publish');
		await flush(c);
		expect(c.received.filter((m) => m.type === 'publish')).toEqual([]);

		b.send({ type: 'unsubscribe', topics: ['room-1'] });
		await flush(b);
		a.send({ type: 'publish', topic: 'room-1', data: 2 });
		await a.next((m) => m.type === 'publish' && m.clients === 1);
		await flush(b);
		expect(b.received.filter((m) => m.type === 'publish')).toEqual([]);
	});

	it('relays a publish byte for byte as it came, with only `clients` added', async () => {
		const a = await connect();
		const b = await connect();
		b.send({ type: 'subscribe', topics: ['t'] });
		await flush(b);
		const raw = new Promise<string>((resolve) =>
			b.ws.once('message', (data) => resolve(String(data)))
		);
		// Spacing, a trailing zero, an escape and a key order JSON.stringify would not keep.
		const sent = '{ "type":"publish", "topic":"t","data":{"z":1.50,"a":"\\u00e9"} }\n';
		a.send(sent);
		expect(await raw).toBe(
			'{ "type":"publish", "topic":"t","data":{"z":1.50,"a":"\\u00e9"} ,"clients":1}'
		);
	});

	it('answers GET /health with counts', async () => {
		await connect();
		const response = await fetch(`http://127.0.0.1:${server.port}/health`);
		expect(response.status).toBe(200);
		expect(await response.json()).toMatchObject({ ok: true, open: 1 });
	});

	it('survives 5,000 malformed frames and still relays', async () => {
		const attacker = await connect();
		const a = await connect();
		const b = await connect();
		a.send({ type: 'subscribe', topics: ['t'] });
		b.send({ type: 'subscribe', topics: ['t'] });
		await Promise.all([flush(a), flush(b)]);
		const junk: Array<() => unknown> = [
			() => randomBytes((1 + Math.random() * 200) | 0),
			() => '{"type":',
			() => 'null',
			() => '[]',
			() => '"just a string"',
			() => JSON.stringify({ type: 42 }),
			() => JSON.stringify({ type: 'subscribe', topics: 'not-an-array' }),
			() => JSON.stringify({ type: 'subscribe', topics: [null, 5, '', 'x'.repeat(10_000)] }),
			() => JSON.stringify({ type: 'publish', topic: { nested: true } }),
			() => JSON.stringify({ type: 'unsubscribe' }),
			() => JSON.stringify({ type: 'something-else' }),
			() => JSON.stringify({ type: 'publish', topic: 'nobody-here', data: 'x' })
		];
		for (let i = 0; i < 5_000; i++) {
			const frame = (junk[i % junk.length] as () => unknown)();
			attacker.ws.send(frame as Buffer | string, { binary: Buffer.isBuffer(frame) });
		}
		await flush(attacker);
		expect(server.stats().malformed).toBeGreaterThan(4_000);
		a.send({ type: 'publish', topic: 't', data: 'still here' });
		expect(await b.next((m) => m.type === 'publish')).toMatchObject({ data: 'still here' });
		expect(attacker.ws.readyState).toBe(WebSocket.OPEN);
	});

	it('closes a connection that sends an oversize frame, and only that one', async () => {
		const big = await connect();
		const other = await connect();
		big.ws.send('x'.repeat(300 * 1024));
		expect(await big.closed).toBe(1009);
		await flush(other);
	});

	it('caps topics per connection and messages per second', async () => {
		await server.close();
		server = await startSignaling({
			port: 0,
			log: () => undefined,
			maxTopicsPerConnection: 3,
			messagesPerSecond: 1,
			burst: 20
		});
		const a = await connect();
		a.send({ type: 'subscribe', topics: ['1', '2', '3', '4', '5'] });
		await flush(a);
		expect(server.stats()).toMatchObject({ topics: 3, rejectedTopics: 2 });
		for (let i = 0; i < 100; i++) a.send({ type: 'publish', topic: '1', data: i });
		// Let the server read the burst before asking.
		await new Promise((resolve) => setTimeout(resolve, 200));
		expect(server.stats().rateLimited).toBeGreaterThan(70);
	});

	it('reaps half-open sockets by heartbeat', async () => {
		await server.close();
		server = await startSignaling({ port: 0, log: () => undefined, heartbeatMs: 50 });
		const a = await connect();
		// A peer that stops answering pings (its network vanished) is closed.
		a.ws.pong = () => undefined;
		(
			a.ws as unknown as { _receiver: { removeAllListeners(e: string): void } }
		)._receiver.removeAllListeners('ping');
		await a.closed;
		expect(server.stats().closedIdle).toBe(1);
	});
});

describe('frame and connection limits', () => {
	it('measures nesting on the raw text, ignoring brackets inside strings', () => {
		const bytes = (text: string) => Buffer.from(text);
		expect(withinDepth(bytes('{"a":[1,{"b":[]}]}'), 4)).toBe(true);
		expect(withinDepth(bytes('{"a":[1,{"b":[]}]}'), 3)).toBe(false);
		expect(withinDepth(bytes('{"a":"[[[[[[\\"[[[["}'), 1)).toBe(true);
		expect(withinDepth(bytes('['.repeat(1_000_000)), 16)).toBe(false);
	});

	it('splices `clients` into the raw frame', () => {
		const spliced = (text: string) => String(withClients(Buffer.from(text), 3));
		expect(spliced('{"type":"publish"}')).toBe('{"type":"publish","clients":3}');
		expect(spliced('{"type":"publish"} \r\n')).toBe('{"type":"publish","clients":3}');
		expect(spliced('{ }')).toBe('{ "clients":3}');
		expect(JSON.parse(spliced('{"type":"publish","clients":"x"}'))).toEqual({
			type: 'publish',
			clients: 3
		});
	});

	it('counts IPv4 per address and IPv6 per /64', () => {
		expect(addressKey('203.0.113.9')).toBe('203.0.113.9');
		expect(addressKey('::ffff:203.0.113.9')).toBe('203.0.113.9');
		expect(addressKey('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
		expect(addressKey('2001:DB8:1:2::ffff')).toBe('2001:db8:1:2::/64');
		expect(addressKey('2001:0db8::1')).toBe('2001:db8:0:0::/64');
		expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
		expect(addressKey(undefined)).toBe('unknown');
		const gate = connectionGate({ maxConnections: 10, maxConnectionsPerIp: 2 });
		const tickets = ['2001:db8:1:2::a', '2001:db8:1:2::b', '2001:db8:1:2::c'].map((ip) =>
			gate.admit(ip)
		);
		expect(tickets.map((t) => t.ok)).toEqual([true, true, false]);
		const first = tickets[0] as { ok: true; release(): void };
		first.release();
		first.release();
		expect(gate.open).toBe(1);
		expect(gate.admit('2001:db8:1:2::c').ok).toBe(true);
	});
});
