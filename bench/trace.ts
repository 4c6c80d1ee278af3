// The automerge-paper editing trace (259,778 edits), replayed in Node through the bridge
// (coalesce, merge, seal, compact) and through plain Yjs. Both sides are measured without
// IndexedDB: plain y-indexeddb writes one record per edit, which did not finish in ten minutes
// in Chromium here, and it would only make the baseline slower. "Bytes stored after
// compaction" is what y-indexeddb keeps after it trims (one `encodeStateAsUpdate` record) for
// plain Yjs, and the whole log doc for the bridge.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import * as Y from 'yjs';
import { fromSecret, newSecret } from '../src/lib/crypto/capability';
import { createVerifier, signingKeys } from '../src/lib/crypto/signing';
import { Bridge } from '../src/lib/log/bridge';
import { createLogDoc, logArray } from '../src/lib/log/log-doc';

interface Trace {
	startContent: string;
	endContent: string;
	txns: Array<{ patches: Array<[number, number, string]> }>;
}

async function replay(doc: Y.Doc, trace: Trace) {
	const text = doc.getText('text');
	text.insert(0, trace.startContent);
	for (let i = 0; i < trace.txns.length; i++) {
		doc.transact(() => {
			for (const [pos, del, ins] of (trace.txns[i] as Trace['txns'][number]).patches) {
				if (del > 0) text.delete(pos, del);
				if (ins) text.insert(pos, ins);
			}
		});
		// Let timers run now and then, as they would between keystrokes.
		if (i % 1000 === 999) await new Promise((resolve) => setTimeout(resolve, 0));
	}
	if (text.toString() !== trace.endContent) throw new Error('trace replay mismatch');
}

export async function runTrace(path: string) {
	const trace = JSON.parse(gunzipSync(readFileSync(path)).toString('utf8')) as Trace;

	const plain = new Y.Doc();
	const updates: number[] = [];
	plain.on('update', (u: Uint8Array) => updates.push(u.length));
	let start = performance.now();
	await replay(plain, trace);
	const plainBytes = Y.encodeStateAsUpdate(plain).length;
	const plainMs = performance.now() - start;

	const cap = fromSecret(newSecret());
	const content = new Y.Doc({ gc: false });
	const log = createLogDoc();
	const bridge = await Bridge.create({
		content,
		log,
		cap,
		...(await signingKeys(cap)),
		idleMs: 3_600_000
	});
	start = performance.now();
	await replay(content, trace);
	await bridge.settled();
	const entries = logArray(log).length;
	await bridge.compact();
	const sealedBytes = Y.encodeStateAsUpdate(log).length;
	const sealedMs = performance.now() - start;
	bridge.destroy();

	// The log must reopen to the same text.
	const reopened = new Y.Doc();
	const check = await Bridge.create({
		content: reopened,
		log,
		cap,
		signer: null,
		verifier: await createVerifier(cap.signPk)
	});
	if (reopened.getText('text').toString() !== trace.endContent)
		throw new Error('sealed log does not reopen to the trace');
	check.destroy();
	return { edits: trace.txns.length, plainMs, plainBytes, sealedMs, sealedBytes, entries };
}
