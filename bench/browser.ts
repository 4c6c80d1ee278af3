// Benchmarks that run inside Chromium, bundled by bench/run.js with Vite (never shipped).
// Each function returns plain numbers; run.js prints and records them.
import * as Y from 'yjs';
import { fromHex } from '../src/lib/crypto/bytes';
import { fromSecret, newSecret, type EditCapability } from '../src/lib/crypto/capability';
import * as envelope from '../src/lib/crypto/envelope';
import { createSigner } from '../src/lib/crypto/signing';
import { createLogDoc, logArray } from '../src/lib/log/log-doc';
import { openSpace, storedOf } from '../src/lib/session/open-space';
import { MemoryLogStore } from '../src/lib/storage/memory-log-store';
import * as keyring from '../src/lib/storage/keyring';
import { logStore } from '../src/lib/storage/space-store';
import { buildSpace } from './seed';

const percentile = (values: number[], p: number) => {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
};

async function sealedLog(cap: EditCapability, bodies: Uint8Array[], kind: envelope.Kind) {
	const signer = await createSigner(cap.signSeed);
	const log = createLogDoc();
	for (const body of bodies) logArray(log).push([await envelope.seal(cap, signer, kind, body)]);
	return log;
}

/** A store in memory holding `log` for the space. */
async function storeWith(cap: EditCapability, log: Y.Doc): Promise<MemoryLogStore> {
	const store = new MemoryLogStore();
	const stored = await store.open(cap.room);
	await stored.append(Y.encodeStateAsUpdate(log));
	await stored.close();
	return store;
}

/** Stores a space as the app does (sealed snapshot in `cp-log-<room>`, keyring entry). */
export async function seedSpace(
	name: string,
	pageCount: number,
	textBytes: number,
	secretHex: string
) {
	const cap = fromSecret(fromHex(secretHex) as Uint8Array);
	const log = await sealedLog(
		cap,
		[buildSpace(name, pageCount, textBytes)],
		envelope.KIND_SNAPSHOT
	);
	const stored = await logStore().open(cap.room);
	await stored.append(Y.encodeStateAsUpdate(log));
	await stored.close();
	const now = Date.now();
	await keyring.put({ id: cap.room, name, created: now, updated: now, cap: storedOf(cap) });
	return { topic: cap.room, bytes: Y.encodeStateAsUpdate(log).length };
}

/** Seal + sign of a keystroke-sized update, WebCrypto signing against tweetnacl signing. */
export async function sealKeystroke(iterations: number) {
	const cap = fromSecret(newSecret());
	const doc = new Y.Doc();
	const updates: Uint8Array[] = [];
	doc.on('update', (u: Uint8Array) => updates.push(u));
	for (let i = 0; i < iterations; i++) doc.getText('t').insert(i, 'x');
	const run = async (engine: 'webcrypto' | 'tweetnacl') => {
		const signer = await createSigner(cap.signSeed, engine);
		// Timed in batches of 10: browsers coarsen performance.now() to 0.1 ms.
		const times: number[] = [];
		for (let i = 0; i + 10 <= updates.length; i += 10) {
			const start = performance.now();
			for (const update of updates.slice(i, i + 10)) {
				await envelope.seal(cap, signer, envelope.KIND_UPDATE, update);
			}
			times.push((performance.now() - start) / 10);
		}
		return { p50: percentile(times, 50), p99: percentile(times, 99) };
	};
	await run('webcrypto'); // warm-up
	return { webcrypto: await run('webcrypto'), tweetnacl: await run('tweetnacl') };
}

/** Opening (verify + decrypt + apply) a log of `entries` small updates. */
export async function openLog(entries: number) {
	const cap = fromSecret(newSecret());
	const doc = new Y.Doc();
	const updates: Uint8Array[] = [];
	doc.on('update', (u: Uint8Array) => updates.push(u));
	for (let i = 0; i < entries; i++) doc.getText('t').insert(doc.getText('t').length, `word${i} `);
	const store = await storeWith(cap, await sealedLog(cap, updates, envelope.KIND_UPDATE));
	const times: number[] = [];
	for (let run = 0; run < 5; run++) {
		const content = new Y.Doc();
		const start = performance.now();
		// As the app opens a space (session/open-space.ts): load, verify, decrypt, apply.
		const opened = await openSpace(cap, { store, content });
		times.push(performance.now() - start);
		if (content.getText('t').toString() !== doc.getText('t').toString())
			throw new Error('open mismatch');
		await opened.destroy();
	}
	// Baseline: applying the same updates as plaintext, no crypto.
	const start = performance.now();
	const plain = new Y.Doc();
	Y.transact(plain, () => updates.forEach((u) => Y.applyUpdate(plain, u)));
	return { ms: percentile(times, 50), plainMs: performance.now() - start };
}

/** Compaction of a ~1 MB space whose log holds many update entries. */
export async function compaction() {
	const cap = fromSecret(newSecret());
	const source = new Y.Doc({ gc: false });
	Y.applyUpdate(source, buildSpace('Compaction', 200, 1_000_000));
	// The same content as 400 separate sealed updates, as a busy log would hold it.
	const parts: Uint8Array[] = [];
	const whole = Y.encodeStateAsUpdate(source);
	for (let i = 0; i < 400; i++) parts.push(i === 0 ? whole : new Uint8Array([0, 0]));
	const store = await storeWith(cap, await sealedLog(cap, parts, envelope.KIND_UPDATE));
	const content = new Y.Doc({ gc: false });
	const opened = await openSpace(cap, { store, content, bridge: { idleMs: 3_600_000 } });
	const { log, bridge } = opened;
	const before = { entries: logArray(log).length, bytes: Y.encodeStateAsUpdate(log).length };
	const start = performance.now();
	await bridge.compact();
	const ms = performance.now() - start;
	const after = { entries: logArray(log).length, bytes: Y.encodeStateAsUpdate(log).length };
	await opened.destroy();
	return { ms, before, after };
}

export * from './peers';
export * from './hostile';
export * from './keystroke';
