// Review finding: Yjs keeps whatever cannot integrate yet — items after a gap in a client's
// clocks (`store.pendingStructs`) and deletions of ids it has not seen (`store.pendingDs`) —
// forever, merges every new such message into it (re-encoding all of it each time), and
// includes all of it in `Y.encodeStateAsUpdate`: in every sync step 2 this peer sends and in
// what `persist` writes when it compacts or retries. The per-message caps count each message,
// not what piles up, and the guard never sees pending items (they are not in the array), so it
// cannot remove them as junk. Anyone with the relay key can therefore:
//   - grow a victim's memory without bound (and CPU: quadratic merging);
//   - with two small messages, make every sync step 2 the victim sends exceed the receivers'
//     caps, so no newcomer can ever sync from it (a relay: from anybody), until it reloads —
//     and not even then once the pending data was written to its store.
// Each test fails today.
import * as decoding from 'lib0/decoding';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import * as capability from '../../../src/lib/crypto/capability';
import * as envelope from '../../../src/lib/crypto/envelope';
import { createSigner, createVerifier } from '../../../src/lib/crypto/signing';
import { LogGuard } from '../../../src/lib/log/guard';
import { createLogDoc, logArray } from '../../../src/lib/log/log-doc';
import { MemoryLogStore } from '../../../src/lib/storage/memory-log-store';
import { persist } from '../../../src/lib/storage/persist';
import { checkPeerMessage, MAX_LOG_STRUCTS } from '../../../src/lib/sync/peer-message';
import { asPeerUpdate, asStep2, craftUpdate, type CraftRange } from './craft';

function deliver(message: Uint8Array, log: Y.Doc) {
	const checked = checkPeerMessage(message);
	expect(checked.ok, JSON.stringify(checked)).toBe(true);
	const decoder = decoding.createDecoder(message);
	decoding.readVarUint(decoder);
	decoding.readVarUint(decoder);
	Y.applyUpdate(log, decoding.readVarUint8Array(decoder), 'network');
}

/** Deletions of `count` ids of a client nobody has: all go to pendingDs. */
function phantomDeletes(client: number, count: number): Uint8Array {
	const ranges: CraftRange[] = [];
	for (let i = 0; i < count; i++) ranges.push({ client, clock: 10 + 2 * i, len: 1 });
	return asPeerUpdate(craftUpdate([], ranges));
}

async function honestPeer() {
	const cap = capability.fromSecret(capability.newSecret());
	const relayCap = capability.toRelay(cap);
	const log = createLogDoc();
	const sealed = await envelope.seal(
		cap,
		await createSigner(cap.signSeed),
		envelope.KIND_UPDATE,
		new Uint8Array([0, 0])
	);
	logArray(log).push([sealed]);
	const guard = new LogGuard({
		log,
		cap: relayCap,
		verifier: await createVerifier(relayCap.signPk),
		pauseMs: [0, 10]
	});
	await guard.start();
	return { log, guard };
}

/** What the victim answers a newcomer's sync step 1 with, and whether the newcomer takes it. */
function step2For(log: Y.Doc) {
	const newcomer = createLogDoc();
	const message = asStep2(Y.encodeStateAsUpdate(log, Y.encodeStateVector(newcomer)));
	return checkPeerMessage(message);
}

describe('review: pending structs and deletions pile up (relay key only)', () => {
	it('two accepted messages of phantom deletions make every sync step 2 the victim sends refused', async () => {
		const victim = await honestPeer();
		expect(step2For(victim.log).ok).toBe(true);
		const half = Math.ceil(MAX_LOG_STRUCTS / 2) + 1;
		deliver(phantomDeletes(0xabcdef, half), victim.log); // ~100 KB, accepted
		deliver(phantomDeletes(0xabcdf0, half), victim.log); // ~100 KB, accepted
		await victim.guard.tidyNow();
		expect(victim.log.store.pendingDs, 'dropped after the transaction').toBeNull();
		// The victim's answer to every newcomer now carries the phantom deletions and is dropped.
		expect(step2For(victim.log)).toEqual({ ok: true, type: 0, sub: 1, entries: expect.anything() });
		victim.guard.destroy();
	});

	it('items after a gap are kept forever, re-merged on every message and sent on in step 2', async () => {
		const victim = await honestPeer();
		const junk = new Uint8Array(64 * 1024);
		// 40 messages, each 16 entries after a gap in client 0x777's clocks (clock 0 never comes).
		for (let m = 0; m < 40; m++) {
			const items = Array.from({ length: 16 }, (_, i) => ({
				client: 0x777,
				clock: 1 + m * 16 + i,
				binary: junk,
				// Appended: after the one before (the first after its missing clock 0).
				origin: { client: 0x777, clock: m * 16 + i }
			}));
			deliver(asPeerUpdate(craftUpdate(items)), victim.log);
		}
		await victim.guard.tidyNow();
		const pending = victim.log.store.pendingStructs?.update.length ?? 0;
		const sentOn = Y.encodeStateAsUpdate(victim.log, Y.encodeStateVector(createLogDoc())).length;
		victim.guard.destroy();
		// 40 MiB the guard never saw (so never removed as junk), re-sent to every newcomer.
		expect({ pendingBytes: pending, step2Bytes: sentOn }).toEqual({
			pendingBytes: 0,
			step2Bytes: expect.any(Number)
		});
	});

	it('the phantom deletions are written to the store and survive a reload', async () => {
		const victim = await honestPeer();
		const store = new MemoryLogStore();
		const stored = await store.open('room');
		// Compacting the store after a few records, as the app does after 500.
		const saved = await persist(victim.log, stored, { compactAt: 1 });
		const half = Math.ceil(MAX_LOG_STRUCTS / 2) + 1;
		deliver(phantomDeletes(0xabcdef, half), victim.log);
		deliver(phantomDeletes(0xabcdf0, half), victim.log);
		// Any later changes: the store compacts once it holds more than `compactAt` records.
		logArray(victim.log).push([new Uint8Array([1])]);
		logArray(victim.log).push([new Uint8Array([2])]);
		logArray(victim.log).push([new Uint8Array([3])]);
		await saved.flushed();
		await new Promise((resolve) => setTimeout(resolve, 50));
		await saved.flushed();
		expect(stored.records).toBe(1); // compacted
		await saved.destroy();
		victim.guard.destroy();

		const reloaded = createLogDoc();
		const again = await persist(reloaded, await store.open('room'));
		await again.destroy();
		expect(step2For(reloaded).ok, 'after a reload the poison is still there').toBe(true);
	});
});
