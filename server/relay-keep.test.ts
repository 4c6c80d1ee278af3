// The operator's `keep` command (server/relay-keep.ts) against the real server: a relay link
// makes the relay keep the space; a link that can read the space, or a broken one, is refused
// with a sentence and asks nothing of the relay.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import * as capability from '../src/lib/crypto/capability';
import * as links from '../src/lib/crypto/links';
import { keepOnRelay } from './relay-keep';
import { startRelay } from './relay-server';
import { startSignaling } from './signaling.js';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
	for (const step of cleanup.splice(0).reverse()) await step();
});

describe('npm run server -- keep <b1-link>', () => {
	it('keeps a space given its relay link, and refuses links that read or are broken', async () => {
		const dataDir = mkdtempSync(join(tmpdir(), 'cp-relay-keep-'));
		cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
		const server = await startSignaling({
			port: 0,
			host: '127.0.0.1',
			log: () => {},
			relay: await startRelay({ dataDir })
		});
		cleanup.push(() => server.close());
		const relay = `${server.url}/relay`;
		const cap = capability.fromSecret(capability.newSecret());
		const relayLink = `http://127.0.0.1:5173/#${links.format(capability.toRelay(cap))}`;

		await expect(keepOnRelay(links.format(cap), relay)).rejects.toThrow(/can read the space/);
		await expect(keepOnRelay(links.format(capability.toView(cap)), relay)).rejects.toThrow(
			/can read the space/
		);
		await expect(keepOnRelay('b1.nonsense', relay)).rejects.toThrow(/not a Commonplace link/);
		expect((server.stats().relay as { kept: number }).kept).toBe(0);

		await expect(keepOnRelay(relayLink, relay)).resolves.toBe(
			`The relay at ${relay} keeps space ${cap.room}.`
		);
		expect((server.stats().relay as { kept: number }).kept).toBe(1);
		await expect(keepOnRelay(relayLink, 'ws://127.0.0.1:9/relay')).rejects.toThrow(
			/Could not reach the relay/
		);
	});
});
