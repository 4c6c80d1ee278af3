// Child processes for interop tests: stock y-webrtc clients, and y-webrtc's own signaling
// server, each bound to 127.0.0.1.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export async function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			server.close(() =>
				typeof address === 'object' && address
					? resolve(address.port)
					: reject(new Error('no port'))
			);
		});
	});
}

/** y-webrtc's own bin/server.js, unchanged, made to listen on 127.0.0.1. */
export async function stockSignaling(): Promise<{ url: string; stop(): void }> {
	const port = await freePort();
	const child = spawn(
		process.execPath,
		['--import', here('./loopback.mjs'), here('../../node_modules/y-webrtc/bin/server.js')],
		{ env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'inherit'] }
	);
	await new Promise<void>((resolve, reject) => {
		child.once('exit', (code) => reject(new Error(`y-webrtc's server exited (${code})`)));
		createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
			if (line.includes('Signaling server running')) resolve();
		});
	});
	return { url: `ws://127.0.0.1:${port}`, stop: () => child.kill() };
}

export interface ClientState {
	peers: number;
	text: string;
	/** Signaling messages it could not decrypt (another password). */
	rejected: number;
	/** Its room is subscribed on the signaling server. */
	subscribed: boolean;
}

export interface StockClient {
	insert(text: string): void;
	waitFor(check: (state: ClientState) => boolean, ms?: number): Promise<void>;
	stop(): void;
}

/** A y-webrtc client with none of our code, in a process of its own. */
export function stockClient(room: string, password: string, signaling: string): StockClient {
	const child: ChildProcess = spawn(
		process.execPath,
		[here('./stock-client.mjs'), room, password, signaling],
		{ stdio: ['pipe', 'pipe', 'inherit'] }
	);
	const state: ClientState = { peers: 0, text: '', rejected: 0, subscribed: false };
	const waiters = new Set<() => void>();
	createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
		const message = JSON.parse(line) as Partial<ClientState>;
		if (message.rejected !== undefined) state.rejected = message.rejected;
		if (message.subscribed !== undefined) state.subscribed = message.subscribed;
		if (message.peers !== undefined) state.peers = message.peers;
		if (message.text !== undefined) state.text = message.text;
		for (const waiter of waiters) waiter();
	});
	return {
		insert: (text) => child.stdin?.write(`insert ${text}\n`),
		waitFor: (check, ms = 20_000) =>
			new Promise((resolve, reject) => {
				const timer = setTimeout(() => {
					waiters.delete(test);
					reject(new Error(`timed out; last state ${JSON.stringify(state)}`));
				}, ms);
				const test = () => {
					if (!check(state)) return;
					clearTimeout(timer);
					waiters.delete(test);
					resolve();
				};
				waiters.add(test);
				test();
			}),
		stop: () => {
			child.stdin?.write('quit\n');
			setTimeout(() => child.kill(), 500).unref();
		}
	};
}
