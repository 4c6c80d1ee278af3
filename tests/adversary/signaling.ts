// Hostile peers for signaling servers, for every test that needs one: a flooding publisher and a
// subscriber that never read here; hostile frames and servers re-exported from their modules.
import WebSocket from 'ws';
import { parse } from './signaling-servers';

export { hostileFrames, prng, type HostileFrame } from './hostile-frames';
export {
	hostileSignalingServer,
	signalingProcess,
	type HostileSignalingServer,
	type SignalingProcess,
	type SignalingReport
} from './signaling-servers';

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
