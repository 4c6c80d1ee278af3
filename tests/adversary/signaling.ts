// Hostile peers for signaling servers, shared by every test that needs one: a flooding publisher,
// a subscriber that never reads, a seeded stream of hostile frames, a junk-sending server, and
// our server in a child process (so a test can read its memory and see its uncaught exceptions).
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import WebSocket, { WebSocketServer } from 'ws';
import type { SignalingOptions, SignalingStats } from '../../server/signaling.js';

type Message = Record<string, unknown>;

/** Opens a WebSocket; rejects with the HTTP status if the server refuses the upgrade. */
export function open(url: string, options: WebSocket.ClientOptions = {}): Promise<WebSocket> {
	return new Promise((resolve, reject) => {
		const ws = new WebSocket(url, options);
		ws.once('open', () => resolve(ws));
		ws.once('unexpected-response', (_request, response) => {
			reject(new RefusedError(response.statusCode ?? 0));
			ws.terminate();
		});
		ws.once('error', reject);
	});
}

export class RefusedError extends Error {
	constructor(readonly status: number) {
		super(`upgrade refused with HTTP ${status}`);
	}
}

/** Parses a frame as our server or y-webrtc's would send it; junk becomes undefined. */
function parse(data: WebSocket.RawData): Message | undefined {
	try {
		const value: unknown = JSON.parse(String(data));
		return typeof value === 'object' && value !== null ? (value as Message) : undefined;
	} catch {
		// reason: a test client only reads what it understands; the servers under test relay junk.
		return undefined;
	}
}

/** A ping answered by a pong: everything this socket sent before has been handled. */
export function roundTrip(ws: WebSocket, ms = 5_000): Promise<void> {
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => {
			ws.off('message', onMessage);
			reject(new Error('no pong'));
		}, ms);
		const onMessage = (data: WebSocket.RawData) => {
			if (parse(data)?.type !== 'pong') return;
			clearTimeout(timer);
			ws.off('message', onMessage);
			resolve();
		};
		ws.on('message', onMessage);
		ws.send(JSON.stringify({ type: 'ping' }));
	});
}

export interface Stalled {
	ws: WebSocket;
	close(): void;
}

/** Subscribes to `topic`, then never reads again: its socket is paused, the kernel fills up. */
export async function stalledSubscriber(url: string, topic: string): Promise<Stalled> {
	const ws = await open(url);
	ws.send(JSON.stringify({ type: 'subscribe', topics: [topic] }));
	await roundTrip(ws);
	ws.pause();
	return { ws, close: () => ws.terminate() };
}

export interface FloodOptions {
	topic: string;
	/** Publishes per second after the burst. */
	perSecond: number;
	/** Publishes sent at once at the start (a token bucket's allowance). */
	burst?: number;
	/** Each publish frame is about this many bytes long. */
	bytes?: number;
	durationMs: number;
}

export interface Flood {
	/** Publishes sent. */
	sent: number;
	close(): void;
}

/** Publishes to a topic at a steady rate for a while; resolves when done, socket still open. */
export async function floodClient(url: string, options: FloodOptions): Promise<Flood> {
	const { topic, perSecond, burst = 0, bytes = 1024, durationMs } = options;
	const ws = await open(url);
	const frame = (seq: number, pad: string) =>
		JSON.stringify({ type: 'publish', topic, data: { type: 'flood', seq, pad } });
	// The envelope plus room for a seq number of up to ten digits.
	const pad = 'x'.repeat(Math.max(0, bytes - frame(0, '').length - 9));
	let sent = 0;
	const started = Date.now();
	await new Promise<void>((resolve) => {
		const tick = () => {
			const elapsed = Date.now() - started;
			const due = burst + Math.floor((Math.min(elapsed, durationMs) / 1000) * perSecond);
			while (sent < due) ws.send(frame(sent++, pad));
			if (elapsed >= durationMs) {
				clearInterval(timer);
				resolve();
			}
		};
		const timer = setInterval(tick, 10);
		tick();
	});
	return { sent, close: () => ws.terminate() };
}

export interface Subscriber {
	ws: WebSocket;
	/** Publishes received so far. */
	publishes: number;
	/** The next message (or one of the last 100) that matches. */
	next(match: (m: Message) => boolean, ms?: number): Promise<Message>;
	/** Resolves once `check()` holds, checked on every message. */
	until(check: () => boolean, ms?: number): Promise<void>;
	close(): void;
}

/** An honest subscriber that reads everything, counts publishes and keeps the last 100. */
export async function subscriber(url: string, topics: string[]): Promise<Subscriber> {
	const ws = await open(url);
	const recent: Message[] = [];
	const waiters = new Set<() => void>();
	const self: Subscriber = {
		ws,
		publishes: 0,
		next(match, ms = 5_000) {
			return new Promise((resolve, reject) => {
				const check = () => {
					const index = recent.findIndex(match);
					if (index < 0) return;
					clearTimeout(timer);
					waiters.delete(check);
					resolve(recent.splice(index, 1)[0] as Message);
				};
				const timer = setTimeout(() => {
					waiters.delete(check);
					reject(new Error('no matching message'));
				}, ms);
				waiters.add(check);
				check();
			});
		},
		until(check, ms = 10_000) {
			return new Promise((resolve, reject) => {
				const test = () => {
					if (!check()) return;
					clearTimeout(timer);
					waiters.delete(test);
					resolve();
				};
				const timer = setTimeout(() => {
					waiters.delete(test);
					reject(new Error('condition not reached'));
				}, ms);
				waiters.add(test);
				test();
			});
		},
		close: () => ws.terminate()
	};
	ws.on('message', (data) => {
		const message = parse(data);
		if (!message) return;
		if (message.type === 'publish') self.publishes++;
		recent.push(message);
		if (recent.length > 100) recent.shift();
		for (const wake of [...waiters]) wake();
	});
	ws.send(JSON.stringify({ type: 'subscribe', topics }));
	await roundTrip(ws);
	return self;
}

// ---------------------------------------------------------------------------------------------
// Hostile frames

/** mulberry32: small, fast, and the same sequence for a seed on every machine. */
export function prng(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

export interface HostileFrame {
	/** What kind of hostility, for counting. */
	kind: string;
	data: string | Buffer;
	binary: boolean;
}

const TYPES = ['subscribe', 'unsubscribe', 'publish', 'ping', 'pong', 'PUBLISH', 'publish ', ''];
const ODD_TYPES = ['announce', 'signal', '__proto__', 'constructor', 'toString', 'x'.repeat(5000)];
const HUGE = 'x'.repeat(300 * 1024);
const WEIRD: unknown[] = [
	null,
	true,
	false,
	0,
	-1,
	1.5,
	1e308,
	'',
	'x',
	'x'.repeat(300),
	[],
	{},
	[null],
	[[]],
	{ a: 1 },
	'__proto__',
	'constructor',
	'hasOwnProperty',
	'\u0000',
	'\ud800',
	['publish'],
	{ type: 'publish' }
];

/**
 * `count` hostile signaling frames from `seed`: random bytes, binary frames, random and truncated
 * JSON, nesting up to 100,000 deep, frames over any sane size, every field of every message type
 * with the wrong type, unknown types, topic lists of up to 20,000 entries, JSON tricks (duplicate
 * keys, `__proto__`, a byte-order mark) and well-formed messages for `topics` in between.
 */
export function* hostileFrames(
	seed: number,
	count: number,
	topics: string[] = ['t']
): Generator<HostileFrame> {
	const random = prng(seed);
	const int = (max: number) => Math.floor(random() * max);
	const pick = <T>(list: readonly T[]): T => list[int(list.length)] as T;
	const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));
	// Sizes spread evenly over orders of magnitude: mostly small, now and then the largest.
	const logUniform = (min: number, max: number) => Math.floor(min * (max / min) ** random());
	const topic = () => (random() < 0.5 ? pick(topics) : `topic-${int(50)}`);
	const valid = (): Message => {
		const type = pick(['subscribe', 'unsubscribe', 'publish', 'ping']);
		if (type === 'ping') return { type };
		if (type === 'publish') return { type, topic: topic(), data: { type: 'signal', n: int(1e6) } };
		return { type, topics: [topic(), topic()] };
	};
	const text = (kind: string, data: string): HostileFrame => ({ kind, data, binary: false });
	const kinds: Array<[number, () => HostileFrame]> = [
		[15, () => text('valid', JSON.stringify(valid()))],
		[10, () => ({ kind: 'random-binary', data: bytes(int(512)), binary: true })],
		[
			2,
			() => ({ kind: 'json-as-binary', data: Buffer.from(JSON.stringify(valid())), binary: true })
		],
		// Mostly invalid UTF-8 in a text frame: the WebSocket layer closes the sender (1007).
		[1, () => ({ kind: 'random-text-bytes', data: bytes(1 + int(64)), binary: false })],
		[
			10,
			() => {
				const alphabet = [...'{}[]":,0123456789.-+eEtruefalsnul\\ \n'];
				const length = int(300);
				return text('random-json-ish', Array.from({ length }, () => pick(alphabet)).join(''));
			}
		],
		[
			10,
			() => {
				const whole = JSON.stringify(valid());
				return text('truncated', whole.slice(0, int(whole.length)));
			}
		],
		[
			8,
			() => {
				const depth = logUniform(17, 100_000);
				const shape = int(4);
				if (shape === 0) return text('deep', '['.repeat(depth) + ']'.repeat(depth));
				if (shape === 1) return text('deep-unclosed', '['.repeat(depth));
				const nested = '['.repeat(depth) + ']'.repeat(depth);
				const field = shape === 2 ? 'data' : 'topics';
				const type = shape === 2 ? 'publish' : 'subscribe';
				return text('deep-field', `{"type":"${type}","topic":"${topic()}","${field}":${nested}}`);
			}
		],
		[
			20,
			() => {
				const message: Record<string, unknown> = { type: pick([...TYPES, ...ODD_TYPES]) };
				if (random() < 0.8) message.topic = pick(WEIRD);
				if (random() < 0.8)
					message.topics = random() < 0.5 ? pick(WEIRD) : [pick(WEIRD), pick(WEIRD)];
				if (random() < 0.8) message.data = pick(WEIRD);
				if (random() < 0.3) message.clients = pick(WEIRD);
				return text('wrong-types', JSON.stringify(message));
			}
		],
		[
			8,
			() =>
				text(
					'unknown-type',
					JSON.stringify({ type: `type-${int(1000)}`, topic: topic(), data: pick(WEIRD) })
				)
		],
		[
			4,
			() => {
				const list: unknown[] = Array.from({ length: logUniform(1, 20_000) }, (_, i) => `h${i}`);
				for (let k = int(10); k > 0; k--) list[int(list.length)] = pick(WEIRD);
				const type = pick(['subscribe', 'unsubscribe']);
				return text('huge-topics', JSON.stringify({ type, topics: list }));
			}
		],
		[
			10,
			() => {
				const t = JSON.stringify(topic());
				return text(
					'json-tricks',
					pick([
						`{"__proto__":{"type":"publish"},"topic":${t},"data":1}`,
						`{"type":"ping","type":"publish","topic":${t},"data":{"a":1}}`,
						`\ufeff{"type":"publish","topic":${t},"data":1}`,
						`{"type":"publish","topic":${t},"data":1}\n\n  \t`,
						`{"type":"publish","topic":${t},"data":1,"clients":"many"}`,
						`{"type":"publish","topic":${t},"data":1e999}`,
						`{"type":"publish","topic":${t},"data":"\\ud800\\u0000"}`,
						`{"type":"subscribe","topics":["\\u0000","\\ud800"]}`,
						`{"type":"publish","topic":${t}}`,
						`{"type":"publish","topic":${t},"data":null}`,
						'{}',
						'[{"type":"ping"}]',
						'"ping"',
						'',
						' '
					])
				);
			}
		],
		[
			1,
			() => {
				const size = pick([64 * 1024 + int(1000), 200 * 1024, 300 * 1024]);
				const head = `{"type":"publish","topic":${JSON.stringify(topic())},"data":"`;
				return text('huge', `${head}${HUGE.slice(0, size)}"}`);
			}
		]
	];
	const total = kinds.reduce((sum, [weight]) => sum + weight, 0);
	for (let i = 0; i < count; i++) {
		let roll = random() * total;
		for (const [weight, make] of kinds) {
			roll -= weight;
			if (roll < 0) {
				yield make();
				break;
			}
		}
	}
}

// ---------------------------------------------------------------------------------------------
// Servers

export interface SignalingReport {
	stats: SignalingStats & Record<string, number | boolean>;
	memory: NodeJS.MemoryUsage & { peakRss: number };
	/** Uncaught exceptions and unhandled rejections in the server's process. */
	uncaught: number;
}

export interface SignalingProcess {
	url: string;
	port: number;
	/** Counts, memory (with the peak RSS since start or the last `reset()`) and uncaught errors. */
	report(): Promise<SignalingReport>;
	/** Collects garbage, starts a new peak, and reports. */
	reset(): Promise<SignalingReport>;
	/** Resolves once a report satisfies `check`, asking every 50 ms. */
	until(check: (r: SignalingReport) => boolean, ms?: number): Promise<SignalingReport>;
	stop(): void;
}

/** Our signaling server (server/signaling.js) in a child process, bound to 127.0.0.1. */
export async function signalingProcess(
	options: Omit<SignalingOptions, 'log'> = {}
): Promise<SignalingProcess> {
	const script = fileURLToPath(new URL('./signaling-child.mjs', import.meta.url));
	const child: ChildProcess = fork(
		script,
		[JSON.stringify({ host: '127.0.0.1', port: 0, ...options })],
		{ execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }
	);
	let ids = 0;
	const ask = (type: string) =>
		new Promise<SignalingReport>((resolve, reject) => {
			const id = ++ids;
			const onMessage = (message: { type?: string; id?: number } & SignalingReport) => {
				if (message.type !== 'report' || message.id !== id) return;
				child.off('message', onMessage);
				resolve(message);
			};
			child.on('message', onMessage);
			child.send({ type, id }, (error) => error && reject(error));
		});
	const ready = await new Promise<{ url: string; port: number }>((resolve, reject) => {
		child.once('exit', (code) => reject(new Error(`signaling child exited (${code})`)));
		child.once('message', (message: { type?: string; url: string; port: number }) => {
			if (message.type === 'ready') resolve(message);
		});
	});
	const self: SignalingProcess = {
		...ready,
		report: () => ask('report'),
		reset: () => ask('gc').then(() => ask('reset-peak')),
		async until(check, ms = 10_000) {
			const deadline = Date.now() + ms;
			for (;;) {
				const report = await self.report();
				if (check(report)) return report;
				if (Date.now() > deadline) throw new Error(`not reached: ${JSON.stringify(report.stats)}`);
				await new Promise((resolve) => setTimeout(resolve, 50));
			}
		},
		stop: () => {
			child.kill();
		}
	};
	return self;
}

export interface HostileSignalingServer {
	url: string;
	/** Junk frames sent so far. */
	junkSent(): number;
	close(): Promise<void>;
}

/**
 * A "signaling server" that answers every subscription with junk: text that is not JSON, binary
 * frames, publishes whose data is not a string, not base64, or base64 that does not open under
 * the room key. For clients: whatever a signaling server sends must not throw in the page.
 */
export async function hostileSignalingServer(): Promise<HostileSignalingServer> {
	const hostile = new WebSocketServer({ host: '127.0.0.1', port: 0 });
	await new Promise((resolve) => hostile.once('listening', resolve));
	let junkSent = 0;
	hostile.on('connection', (socket) => {
		socket.on('message', (raw) => {
			const message = parse(raw) as { type?: string; topics?: unknown } | undefined;
			if (message?.type !== 'subscribe' || !Array.isArray(message.topics)) return;
			for (const topic of message.topics) {
				const frames = junkFor(topic);
				for (const frame of frames) socket.send(frame);
				junkSent += frames.length;
			}
		});
	});
	return {
		url: `ws://127.0.0.1:${(hostile.address() as { port: number }).port}`,
		junkSent: () => junkSent,
		close: async () => {
			hostile.clients.forEach((client) => client.terminate());
			await new Promise((resolve) => hostile.close(resolve));
		}
	};
}

function junkFor(topic: unknown): Array<string | Buffer> {
	return [
		'not json at all',
		Buffer.from([0, 1, 2, 255]),
		'42',
		'null',
		JSON.stringify({ type: 'publish', topic, data: 12345 }),
		JSON.stringify({ type: 'publish', topic, data: '!!! not base64 !!!' }),
		JSON.stringify({ type: 'publish', topic, data: Buffer.from('short').toString('base64') }),
		JSON.stringify({
			type: 'publish',
			topic,
			data: Buffer.concat([Buffer.from([7]), Buffer.from('AES-GCM'), Buffer.alloc(40, 9)]).toString(
				'base64'
			)
		}),
		JSON.stringify({ type: 'publish', topic: 42, data: 'x' }),
		JSON.stringify({ type: 'publish', topic, data: { type: 'signal', from: 'x', to: 'y' } })
	];
}
