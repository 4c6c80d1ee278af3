// Signaling servers for tests: ours in a child process (so a test can read its memory and see
// every uncaught exception in it), and a hostile one that answers subscriptions with junk.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type WebSocket from 'ws';
import { WebSocketServer } from 'ws';
import type { SignalingOptions, SignalingStats } from '../../server/signaling.js';

type Message = Record<string, unknown>;

/** A frame from a signaling server as an object; junk becomes undefined. */
export function parse(data: WebSocket.RawData): Message | undefined {
	try {
		const value: unknown = JSON.parse(String(data));
		return typeof value === 'object' && value !== null ? (value as Message) : undefined;
	} catch {
		// reason: a test client only reads what it understands; the servers under test relay junk.
		return undefined;
	}
}

export interface SignalingReport {
	stats: SignalingStats;
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
