// Kept means committed: a relay killed with SIGKILL in the middle of a burst of writes restarts
// with every update it had acknowledged ("kept") — the compiled server in a process of its own,
// over a real LevelDB directory.
import { fork, type ChildProcess } from 'node:child_process';
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
import { createContentDoc } from '../src/lib/doc/schema';
import { Bridge } from '../src/lib/log/bridge';
import { createLogDoc } from '../src/lib/log/log-doc';
import { RelaySession } from '../src/lib/sync/relay-session';
import { buildServer } from '../scripts/build-server.js';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
	for (const step of cleanup.splice(0).reverse()) await step();
});

beforeAll(async () => {
	await buildServer();
}, 120_000);

async function relayProcess(dataDir: string): Promise<{ url: string; child: ChildProcess }> {
	const script = fileURLToPath(new URL('../tests/adversary/relay-child.mjs', import.meta.url));
	const child = fork(script, [JSON.stringify({ dataDir })], {
		stdio: ['ignore', 'inherit', 'inherit', 'ipc']
	});
	cleanup.push(() => child.kill('SIGKILL'));
	const url = await new Promise<string>((resolve, reject) => {
		child.once('exit', (code) => reject(new Error(`relay exited (${code})`)));
		child.on('message', (message: { type?: string; url?: string }) => {
			if (message.type === 'ready') resolve(message.url as string);
		});
	});
	return { url, child };
}

function client(url: string, log: Y.Doc, cap: capability.RelayCapability, keep: boolean) {
	const ws = new WebSocket(`${url}/relay`);
	ws.binaryType = 'arraybuffer';
	const session = new RelaySession({
		log,
		cap,
		keep,
		send: (bytes) => ws.readyState === ws.OPEN && ws.send(bytes)
	});
	ws.on('message', (data: ArrayBuffer) => session.receive(new Uint8Array(data)));
	// reason: the relay is killed on purpose; the socket's error is expected.
	ws.on('error', () => {});
	cleanup.push(() => {
		session.destroy();
		ws.terminate();
	});
	return session;
}

async function until(check: () => boolean, ms = 10_000) {
	const end = Date.now() + ms;
	while (!check()) {
		if (Date.now() > end) throw new Error('timed out');
		await new Promise((resolve) => setTimeout(resolve, 10));
	}
}

const covers = (held: Map<number, number>, wanted: Map<number, number>) =>
	[...wanted].every(([client, clock]) => (held.get(client) ?? 0) >= clock);

describe('relay killed mid-burst', () => {
	it('restarts with every update it acknowledged', async () => {
		const dataDir = mkdtempSync(join(tmpdir(), 'cp-relay-crash-'));
		cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
		const first = await relayProcess(dataDir);
		const cap = capability.fromSecret(capability.newSecret());
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
		const writer = client(first.url, log, capability.toRelay(cap), true);
		await until(() => writer.joined);
		let acknowledged = new Map<number, number>();
		writer.on('kept', (vector) => (acknowledged = vector));

		// A burst of writes; the relay is killed while they are still arriving.
		let written = 0;
		const burst = (async () => {
			for (; written < 400; written++) {
				pages.createPage(content, { title: `page ${written}` });
				await bridge.flush();
				if (written % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
			}
		})();
		await until(() => [...acknowledged.values()].some((clock) => clock > 50));
		const gone = new Promise((resolve) => first.child.once('exit', resolve));
		first.child.kill('SIGKILL');
		await burst;
		await gone; // (its LevelDB lock is released with the process)
		const lastKept = acknowledged;
		expect(written).toBe(400);

		// A new process over the same directory; a newcomer takes what it has.
		const second = await relayProcess(dataDir);
		const newcomerLog = createLogDoc();
		const newcomer = client(second.url, newcomerLog, capability.toRelay(cap), false);
		const refused: string[] = [];
		newcomer.on('refused', (code) => refused.push(code));
		newcomer.on('dropped', (reason) => refused.push(`dropped:${reason}`));
		await until(() => (newcomer.joined && newcomer.kept !== null) || refused.length > 0);
		expect(refused).toEqual([]);
		await until(
			() =>
				covers(Y.decodeStateVector(Y.encodeStateVector(newcomerLog)), lastKept) ||
				refused.length > 0
		);
		expect(refused).toEqual([]);
		const held = Y.decodeStateVector(Y.encodeStateVector(newcomerLog));
		console.log(
			`acknowledged before the kill: ${JSON.stringify([...lastKept])}; held after restart: ${JSON.stringify([...held])}`
		);
		expect(covers(held, lastKept)).toBe(true);
	}, 120_000);
});
