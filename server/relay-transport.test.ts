// The app's relay transport (sync/relay-transport.ts) against the real server in this process,
// over WebSocket (`ws`, the same API as the browser's): it joins, says when the relay has
// committed all this device holds, counts a dead relay as not connected, and comes back by
// itself when the relay does.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import nacl from 'tweetnacl';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import * as capability from '../src/lib/crypto/capability';
import * as envelope from '../src/lib/crypto/envelope';
import { createSigner } from '../src/lib/crypto/signing';
import { createLogDoc, logArray } from '../src/lib/log/log-doc';
import { logGate } from '../src/lib/sync/first-sync-gate';
import { RelayTransport } from '../src/lib/sync/relay-transport';
import { startRelay } from './relay-server';
import { startSignaling } from './signaling.js';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
	for (const step of cleanup.splice(0).reverse()) await step();
});

async function until(check: () => boolean, ms = 10_000) {
	const end = Date.now() + ms;
	while (!check()) {
		if (Date.now() > end) throw new Error('timed out');
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
}

async function server(dataDir: string, port = 0, token?: string) {
	const started = await startSignaling({
		port,
		host: '127.0.0.1',
		log: () => {},
		relay: await startRelay({ dataDir, ...(token === undefined ? {} : { token }) })
	});
	return started;
}

describe('RelayTransport', () => {
	it('joins, reports what the relay committed, and reconnects by itself', async () => {
		const dataDir = mkdtempSync(join(tmpdir(), 'cp-relay-transport-'));
		cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
		let relay = await server(dataDir);
		const port = relay.port;
		const cap = capability.fromSecret(capability.newSecret());
		const log = createLogDoc();
		const transport = new RelayTransport({
			log,
			cap,
			urls: [`${relay.url}/relay`],
			keep: true,
			WebSocket: WebSocket as unknown as typeof globalThis.WebSocket
		});
		cleanup.push(() => transport.destroy());
		await until(() => transport.status.peers === 1);
		logArray(log).push([new Uint8Array([1, 2, 3])]);
		await until(() => transport.status.inSync === 1);
		expect(transport.relays).toEqual([
			{ url: `${relay.url}/relay`, joined: true, kept: true, refused: null }
		]);

		await relay.close();
		await until(() => !transport.status.connected);
		// Written while the relay is away: not kept anywhere but here.
		logArray(log).push([new Uint8Array([4, 5, 6])]);
		relay = await server(dataDir, port);
		cleanup.push(() => relay.close());
		await until(() => transport.status.inSync === 1, 20_000);
		await transport.destroy();
		await transport.destroy(); // twice is fine
	}, 40_000);

	it('a private relay serves only addresses with its token, and says why to the others', async () => {
		const dataDir = mkdtempSync(join(tmpdir(), 'cp-relay-transport-'));
		cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
		const token = 'a-long-secret-token-0123';
		const relay = await server(dataDir, 0, token);
		cleanup.push(() => relay.close());
		const cap = capability.fromSecret(capability.newSecret());
		const open = (url: string) =>
			new RelayTransport({
				log: createLogDoc(),
				cap,
				urls: [url],
				keep: true,
				WebSocket: WebSocket as unknown as typeof globalThis.WebSocket
			});
		for (const url of [`${relay.url}/relay`, `${relay.url}/relay?token=${token}x`]) {
			const stranger = open(url);
			cleanup.push(() => stranger.destroy());
			await until(() => stranger.relays[0]?.refused === 'token');
			expect(stranger.status.peers).toBe(0);
		}
		const member = open(`${relay.url}/relay?token=${token}`);
		cleanup.push(() => member.destroy());
		await until(() => member.status.peers === 1);
		expect(member.relays[0]?.refused).toBeNull();
		const stats = relay.stats().relay as { tokenRefused: number; kept: number };
		expect(stats.tokenRefused).toBeGreaterThanOrEqual(2);
		expect(stats.kept).toBe(1); // only the member's ask was heard
	}, 40_000);

	it('a newcomer meeting two relays takes a big space in once, in parts, showing progress', async () => {
		const urls: string[] = [];
		for (let i = 0; i < 2; i++) {
			const dataDir = mkdtempSync(join(tmpdir(), 'cp-relay-transport-'));
			const relay = await server(dataDir);
			cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
			cleanup.push(() => relay.close());
			urls.push(`${relay.url}/relay`);
		}
		const cap = capability.fromSecret(capability.newSecret());
		const signer = await createSigner(cap.signSeed);
		const Socket = WebSocket as unknown as typeof globalThis.WebSocket;
		const alice = createLogDoc();
		const writer = new RelayTransport({ log: alice, cap, urls, keep: true, WebSocket: Socket });
		await until(() => writer.status.peers === 2);
		for (let i = 0; i < 8; i++) {
			const sealed = await envelope.seal(
				cap,
				signer,
				envelope.KIND_UPDATE,
				nacl.randomBytes(256 * 1024)
			);
			logArray(alice).push([sealed]);
		}
		await until(() => writer.status.inSync === 2, 30_000);
		await writer.destroy();
		const size = Y.encodeStateAsUpdate(alice).length;

		/**
		 * A newcomer with both relays, whose sync frames take 600 ms to arrive (the handshake is
		 * quick): without a gate both step 1s go out before either answer is in.
		 */
		class Distant extends WebSocket {
			override set onmessage(handler: ((event: { data: ArrayBuffer }) => void) | null) {
				super.onmessage = (event) => {
					const type = new Uint8Array(event.data as ArrayBuffer)[0];
					if (type === 2 || type === 5) return handler?.(event as { data: ArrayBuffer });
					setTimeout(() => handler?.(event as { data: ArrayBuffer }), 600);
				};
			}
			override get onmessage() {
				return super.onmessage;
			}
		}
		const newcomer = async (gated: boolean) => {
			const log = createLogDoc();
			const gate = gated ? logGate(log) : undefined;
			const transport = new RelayTransport({
				log,
				cap,
				urls,
				keep: false,
				WebSocket: Distant as unknown as typeof globalThis.WebSocket,
				...(gate === undefined ? {} : { gate })
			});
			const progress: Array<{ received: number; total: number }> = [];
			transport.on('status', (status) => {
				if (status.receiving !== null) progress.push(status.receiving);
			});
			await until(() => logArray(log).length === 8 && transport.status.inSync === 2, 30_000);
			// Whatever else is on its way (600 ms behind) arrives before the bytes are counted.
			let received = -1;
			while (received !== transport.bytesReceived) {
				received = transport.bytesReceived;
				await new Promise((resolve) => setTimeout(resolve, 1_000));
			}
			await transport.destroy();
			gate?.destroy();
			return { received, progress };
		};

		const once = await newcomer(true);
		expect(once.received).toBeLessThan(1.2 * size);
		// The relay's answer came in 256 KiB parts, and the transport said how far along it was.
		expect(once.progress.length).toBeGreaterThanOrEqual(6);
		expect(once.progress.every((p) => p.total >= size && p.received < p.total)).toBe(true);
		const seen = once.progress.map((p) => p.received);
		expect(seen).toEqual([...seen].sort((a, b) => a - b));
		// Without one gate across the relays, the same newcomer takes the space in twice.
		const twice = await newcomer(false);
		expect(twice.received).toBeGreaterThan(1.8 * size);
	}, 90_000);
});
