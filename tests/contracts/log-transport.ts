// The contract every LogTransport keeps (sync/log-transport.ts), run by each implementation's
// test file: `runLogTransportContract('memory', setup)`. Meshes (memory, tabs, WebRTC) count
// the other replicas as peers; a star (relays) counts the relay, whoever else is there.
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import * as capability from '../../src/lib/crypto/capability';
import { signingKeys } from '../../src/lib/crypto/signing';
import * as pages from '../../src/lib/doc/pages';
import { createContentDoc } from '../../src/lib/doc/schema';
import { Bridge } from '../../src/lib/log/bridge';
import { createLogDoc, logArray } from '../../src/lib/log/log-doc';
import type { LogTransport } from '../../src/lib/sync/log-transport';

export interface Replica {
	log: Y.Doc;
	transport: LogTransport;
	/** Takes this replica off the network, and back on (a reconnect). */
	disconnect(): Promise<void>;
	reconnect(): Promise<void>;
}

export interface TransportHarness {
	/** A new replica on the shared network, with a fresh (or the given) log doc. */
	replica(log?: Y.Doc): Promise<Replica>;
	/** Sends bytes to `target` the way a hostile peer of this transport would. */
	inject(target: Replica, bytes: Uint8Array): Promise<void>;
	/** Every byte that crossed the network so far, where the harness can see it. */
	wire(): Uint8Array[] | null;
	cleanup(): Promise<void>;
	/** How long convergence may take here (WebRTC needs seconds to connect). */
	patienceMs: number;
	/** The peers a replica reports when `others` other replicas are on (mesh: `others`). */
	peersOf?: (others: number) => number;
	/**
	 * A log entry of about `bytes` bytes (random bytes by default). A transport whose far end
	 * checks entries (a relay removes junk) makes real envelopes, of the space `cap`.
	 */
	entry?: (bytes: number) => Promise<Uint8Array>;
	cap?: capability.EditCapability;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean, ms: number, what: string) {
	const end = Date.now() + ms;
	while (!check()) {
		if (Date.now() > end) throw new Error(`timed out: ${what}`);
		await sleep(20);
	}
}

const vector = (doc: Y.Doc) => Y.encodeStateVector(doc).join();
const converged = (replicas: Replica[]) => new Set(replicas.map((r) => vector(r.log))).size === 1;
const peersOf = (h: TransportHarness, others: number) => h.peersOf?.(others) ?? others;
const settledStatus = (h: TransportHarness, replicas: Replica[]) =>
	replicas.every(
		(r) =>
			r.transport.status.peers === peersOf(h, replicas.length - 1) &&
			r.transport.status.inSync === peersOf(h, replicas.length - 1)
	);
const entry = (h: TransportHarness, bytes: number) =>
	h.entry ? h.entry(bytes) : Promise.resolve(nacl.randomBytes(bytes));

export function runLogTransportContract(
	name: string,
	setup: () => Promise<TransportHarness>
): void {
	describe(`LogTransport contract: ${name}`, () => {
		const withHarness = (test: (h: TransportHarness) => Promise<void>) => async () => {
			const harness = await setup();
			try {
				await test(harness);
			} finally {
				await harness.cleanup();
			}
		};

		it(
			'replicas converge, and each reports its peers hold what it holds',
			{ timeout: 120_000 },
			withHarness(async (h) => {
				const replicas = [await h.replica(), await h.replica(), await h.replica()];
				await until(() => settledStatus(h, replicas), h.patienceMs, 'three peers in sync');
				for (const [i, replica] of replicas.entries()) {
					for (let n = 0; n < 5; n++) logArray(replica.log).push([await entry(h, 40 + i + n)]);
				}
				await until(() => converged(replicas), h.patienceMs, 'the logs to converge');
				await until(() => settledStatus(h, replicas), h.patienceMs, 'everyone to report in sync');
				expect(logArray(replicas[0]!.log).length).toBe(15);
				expect(logArray(replicas[2]!.log).toArray()).toEqual(logArray(replicas[0]!.log).toArray());
			})
		);

		it(
			'a 5 MB message crosses intact',
			{ timeout: 120_000 },
			withHarness(async (h) => {
				const a = await h.replica();
				const b = await h.replica();
				await until(() => settledStatus(h, [a, b]), h.patienceMs, 'two peers in sync');
				const big = await entry(h, 5 * 1024 * 1024);
				logArray(a.log).push([big]);
				await until(() => logArray(b.log).length === 1, h.patienceMs, 'the big entry to arrive');
				// Compared as buffers: a deep equal of 5 million elements takes the test runner ~30 s.
				expect(Buffer.from(logArray(b.log).get(0)).equals(Buffer.from(big))).toBe(true);
			})
		);

		it(
			'only ciphertext crosses: the words of the space never appear on the wire',
			{ timeout: 120_000 },
			withHarness(async (h) => {
				const cap = h.cap ?? capability.fromSecret(capability.newSecret());
				const content = createContentDoc();
				const a = await h.replica();
				const bridge = await Bridge.create({
					content,
					log: a.log,
					cap,
					...(await signingKeys(cap))
				});
				const b = await h.replica();
				pages.createPage(content, { title: 'Zanzibar marmalade' });
				await bridge.settled();
				await until(
					() => converged([a, b]) && logArray(b.log).length > 0,
					h.patienceMs,
					'b to get it'
				);
				bridge.destroy();
				const wire = h.wire();
				if (wire === null) return; // nothing to tap on this transport; the log is sealed anyway
				expect(wire.length).toBeGreaterThan(0);
				const text = wire.map((bytes) => new TextDecoder('latin1').decode(bytes)).join('\n');
				expect(text).not.toContain('Zanzibar');
				expect(text).not.toContain('marmalade');
			})
		);

		it(
			'junk never throws and changes nothing',
			{ timeout: 120_000 },
			withHarness(async (h) => {
				const a = await h.replica();
				const b = await h.replica();
				await until(() => settledStatus(h, [a, b]), h.patienceMs, 'two peers in sync');
				logArray(a.log).push([await entry(h, 3)]);
				await until(() => converged([a, b]), h.patienceMs, 'a first entry');
				const before = Y.encodeStateAsUpdate(b.log);
				const errors: unknown[] = [];
				const onError = (error: unknown) => errors.push(error);
				process.on('uncaughtException', onError);
				process.on('unhandledRejection', onError);
				try {
					let seed = 7;
					const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
					for (let i = 0; i < 300; i++) {
						const junk = nacl.randomBytes(1 + Math.floor(random() * 300));
						// Some junk looks like the start of a sync message.
						if (i % 3 === 0) junk[0] = 0;
						if (i % 6 === 0) junk[1] = Math.floor(random() * 3);
						await h.inject(b, junk);
					}
					await sleep(200);
				} finally {
					process.off('uncaughtException', onError);
					process.off('unhandledRejection', onError);
				}
				expect(errors).toEqual([]);
				expect(Y.encodeStateAsUpdate(b.log)).toEqual(before);
				expect(b.transport.status.dropped).toBeGreaterThan(0);
				// And it still works.
				logArray(a.log).push([await entry(h, 3)]);
				await until(() => converged([a, b]), h.patienceMs, 'an entry after the junk');
			})
		);

		it(
			'a reconnect catches up, both ways',
			{ timeout: 120_000 },
			withHarness(async (h) => {
				const a = await h.replica();
				const b = await h.replica();
				await until(() => settledStatus(h, [a, b]), h.patienceMs, 'two peers in sync');
				await b.disconnect();
				if (peersOf(h, 0) === 0) {
					await until(() => a.transport.status.peers === 0, h.patienceMs, 'a to see b leave');
				}
				const [first, second] = [await entry(h, 10), await entry(h, 20)];
				logArray(a.log).push([first]);
				logArray(b.log).push([second]);
				expect(converged([a, b])).toBe(false);
				await b.reconnect();
				await until(() => converged([a, b]), h.patienceMs, 'both to catch up');
				await until(() => settledStatus(h, [a, b]), h.patienceMs, 'both to report in sync');
				expect(logArray(a.log).length).toBe(2);
			})
		);

		it(
			'destroy is clean and safe to call twice',
			{ timeout: 120_000 },
			withHarness(async (h) => {
				const log = createLogDoc();
				const a = await h.replica(log);
				const b = await h.replica();
				await until(() => settledStatus(h, [a, b]), h.patienceMs, 'two peers in sync');
				let events = 0;
				a.transport.on('status', () => events++);
				await a.transport.destroy();
				await a.transport.destroy();
				const seen = events;
				logArray(b.log).push([await entry(h, 30)]);
				logArray(log).push([await entry(h, 40)]);
				await sleep(300);
				expect(logArray(log).length).toBe(1); // nothing arrives any more
				expect(events).toBe(seen);
				await until(
					() => b.transport.status.peers === peersOf(h, 0),
					h.patienceMs,
					'b to see a go'
				);
			})
		);
	});
}
