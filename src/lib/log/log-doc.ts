// The log doc (DESIGN.md §3): ciphertext only, one Y.Array of envelopes named `log`. This is the
// only document that is stored and synced; a blind relay can hold it without reading it.
import * as Y from 'yjs';

/**
 * A log doc. Yjs keeps aside what it cannot integrate yet — items after a gap in a writer's
 * clocks, deletions of ids it has not seen — merges every later update into that, and sends it
 * on in every sync step 2 and stored snapshot; a peer could pile it up without end. Honest peers
 * send whole histories (each sync step 2 holds everything the asker lacks), so nothing a log
 * needs ever waits: what is left aside after a transaction is dropped, and a later sync brings
 * it again if it was real (a deletion it carried is re-derived by the deletion rules).
 */
export function createLogDoc(): Y.Doc {
	const doc = new Y.Doc();
	doc.on('afterTransaction', () => {
		doc.store.pendingStructs = null;
		doc.store.pendingDs = null;
	});
	return doc;
}

export const logArray = (doc: Y.Doc): Y.Array<Uint8Array> => doc.getArray<Uint8Array>('log');

/** Total bytes of the envelopes in the log. */
export function logBytes(doc: Y.Doc): number {
	let total = 0;
	for (const entry of logArray(doc)) total += entry instanceof Uint8Array ? entry.length : 0;
	return total;
}
