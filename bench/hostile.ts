// The worst main-thread cost of one hostile message within the caps (issue: hostile peers):
// a peer sends one y-webrtc update message built to be expensive — the most entries a message
// may carry, as junk, as replayed copies of a real envelope, or as a rollback — and we measure
// the longest main-thread task it causes in an editor's tab, from the message's check through
// the guard's tidying. Long tasks come from a PerformanceObserver (≥ 50 ms) and from timing the
// synchronous part around the message ourselves.
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { fromSecret, newSecret } from '../src/lib/crypto/capability';
import { signingKeys } from '../src/lib/crypto/signing';
import { Bridge } from '../src/lib/log/bridge';
import { createLogDoc, logArray } from '../src/lib/log/log-doc';
import * as pages from '../src/lib/doc/pages';
import { createContentDoc } from '../src/lib/doc/schema';
import * as peerMessage from '../src/lib/sync/peer-message';

export type Attack = 'junk' | 'copies' | 'rollback';

/** A y-webrtc "update" message carrying `update`, as it crosses a data channel. */
function updateMessage(update: Uint8Array): Uint8Array {
	const encoder = encoding.createEncoder();
	encoding.writeVarUint(encoder, 0); // messageSync
	syncProtocol.writeUpdate(encoder, update);
	return encoding.toUint8Array(encoder);
}

export async function hostileMessage(attack: Attack) {
	const cap = fromSecret(newSecret());
	const content = createContentDoc();
	const log = createLogDoc();
	const bridge = await Bridge.create({
		content,
		log,
		cap,
		...(await signingKeys(cap)),
		idleMs: 3_600_000,
		pauseMs: [200, 200]
	});
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

	// The attacker's copy of the log, and the one message it sends.
	const attacker = createLogDoc();
	Y.applyUpdate(attacker, Y.encodeStateAsUpdate(log));
	const array = logArray(attacker);
	const count = peerMessage.MAX_LOG_ENTRIES - 1;
	if (attack === 'junk') {
		array.push(Array.from({ length: count }, (_, i) => new Uint8Array([i & 0xff, i >> 8, 7, 7])));
	} else if (attack === 'copies') {
		const real = array.toArray();
		array.push(Array.from({ length: count }, (_, i) => real[i % real.length] as Uint8Array));
	} else {
		attacker.transact(() => {
			array.delete(0, array.length);
			array.push([old]);
		});
	}
	const message = updateMessage(Y.encodeStateAsUpdate(attacker, Y.encodeStateVector(log)));

	const longTasks: number[] = [];
	const observer = new PerformanceObserver((list) => {
		for (const entry of list.getEntries()) longTasks.push(entry.duration);
	});
	observer.observe({ type: 'longtask', buffered: false });
	const start = performance.now();
	const checked = peerMessage.checkPeerMessage(message);
	if (checked.ok) {
		// What y-webrtc does with an accepted update message: apply its payload to the log doc.
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
	bridge.destroy();
	return {
		accepted: checked.ok,
		bytes: message.length,
		entries: attack === 'rollback' ? 1 : count,
		syncMs,
		longestMs: Math.max(syncMs, ...longTasks),
		totalMs,
		pagesKept: titles
	};
}
