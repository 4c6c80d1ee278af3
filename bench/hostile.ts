// The worst main-thread cost of one hostile message within the caps (issue: hostile peers):
// a peer sends one y-webrtc message built to be expensive — the most entries a message may
// carry, as junk, as replayed copies of a real envelope, as history, or as a rollback. Updates
// hold at most 256 items, so the largest is a sync step 2 that answers our own step 1 (a whole
// history: up to 5,000 entries); that is what is sent here, checked as the guard checks it
// against the receiver's log. (A crafted comb of forks is the known exception, measured in
// tests/unit/rereview and docs/threat-model.md, not here.) We measure
// the longest main-thread task it causes in an editor's tab, from the message's check through
// the guard's tidying. Long tasks come from a PerformanceObserver (≥ 50 ms) and from timing the
// synchronous part around the message ourselves.
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { fromSecret, newSecret } from '../src/lib/crypto/capability';
import { openSpace } from '../src/lib/session/open-space';
import { MemoryLogStore } from '../src/lib/storage/memory-log-store';
import { createLogDoc, heldLog, logArray } from '../src/lib/log/log-doc';
import * as pages from '../src/lib/doc/pages';
import * as peerMessage from '../src/lib/sync/peer-message';

export type Attack = 'junk' | 'copies' | 'rollback' | 'history';

/** A y-webrtc sync step 2 carrying `update`, as it crosses a data channel. */
function step2Message(update: Uint8Array): Uint8Array {
	const encoder = encoding.createEncoder();
	encoding.writeVarUint(encoder, 0); // messageSync
	encoding.writeVarUint(encoder, syncProtocol.messageYjsSyncStep2);
	encoding.writeVarUint8Array(encoder, update);
	return encoding.toUint8Array(encoder);
}

/** The attacker's log doc and the entries it adds (`count` for a many-entry attack). */
function attack(kind: Attack, log: Y.Doc, count: number, old: Uint8Array): Y.Doc {
	const attacker = createLogDoc();
	Y.applyUpdate(attacker, Y.encodeStateAsUpdate(log));
	const array = logArray(attacker);
	if (kind === 'junk') {
		array.push(Array.from({ length: count }, (_, i) => new Uint8Array([i & 0xff, i >> 8, 7, 7])));
	} else if (kind === 'copies') {
		const real = array.toArray();
		array.push(Array.from({ length: count }, (_, i) => real[i % real.length] as Uint8Array));
	} else if (kind === 'history') {
		// Structs and delete ranges as a long history leaves them: one deleted entry per writer.
		for (let i = 0; i < count; i++) {
			attacker.clientID = 1_000_000 + i;
			attacker.transact(() => {
				array.push([new Uint8Array([1])]);
				array.delete(array.length - 1, 1);
			});
		}
	} else {
		attacker.transact(() => {
			array.delete(0, array.length);
			array.push([old]);
		});
	}
	return attacker;
}

export async function hostileMessage(kind: Attack) {
	const cap = fromSecret(newSecret());
	const opened = await openSpace(cap, {
		store: new MemoryLogStore(),
		bridge: { idleMs: 3_600_000, pauseMs: [200, 200] }
	});
	const { content, log, bridge } = opened;
	for (let i = 0; i < 20; i++) {
		pages.createPage(content, { title: `page ${i}` });
		await bridge.flush();
	}
	await bridge.compact();
	for (let i = 0; i < 20; i++) {
		pages.createPage(content, { title: `later ${i}` });
		await bridge.flush();
	}
	await bridge.settled();
	const old = logArray(log).get(0);

	// A small message of the same kind first: a tab that has been open a while has run this
	// code before (the bench page has not, and cold JIT doubles the cost of the first one).
	const count =
		kind === 'history' ? peerMessage.MAX_LOG_STRUCTS / 2 - 1 : peerMessage.MAX_LOG_ENTRIES - 1;
	const warm = attack(kind, log, 100, old);
	Y.applyUpdate(log, Y.encodeStateAsUpdate(warm, Y.encodeStateVector(log)), 'peer');
	await bridge.maintain();
	const attacker = attack(kind, log, count, old);
	const message = step2Message(Y.encodeStateAsUpdate(attacker, Y.encodeStateVector(log)));
	// The attacker's own work ends here: the message arrives in a task of its own.
	await new Promise((resolve) => setTimeout(resolve, 100));

	const longTasks: number[] = [];
	const observer = new PerformanceObserver((list) => {
		for (const entry of list.getEntries()) longTasks.push(entry.duration);
	});
	observer.observe({ type: 'longtask', buffered: false });
	const start = performance.now();
	const checked = peerMessage.checkPeerMessage(message, true, heldLog(log));
	if (checked.ok) {
		// What y-webrtc does with an accepted step 2: apply its payload to the log doc.
		const encoder = encoding.createEncoder();
		syncProtocol.readSyncMessage(decoding.createDecoder(message.subarray(1)), encoder, log, 'peer');
	}
	const syncMs = performance.now() - start;
	// Everything it sets off: verification, the guard's tidying, put-backs, repair.
	await bridge.settled();
	await new Promise((resolve) => setTimeout(resolve, 400));
	await bridge.maintain();
	await new Promise((resolve) => setTimeout(resolve, 200));
	const totalMs = performance.now() - start;
	observer.disconnect();
	const titles = [...content.getMap('pages').values()].length;
	await opened.destroy();
	return {
		accepted: checked.ok,
		bytes: message.length,
		entries: kind === 'rollback' ? 1 : count,
		syncMs,
		longestMs: Math.max(syncMs, ...longTasks),
		totalMs,
		pagesKept: titles
	};
}
