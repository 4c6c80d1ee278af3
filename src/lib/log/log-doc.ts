// The log doc (DESIGN.md §3): ciphertext only, one Y.Array of envelopes named `log`. This is the
// only document that is stored and synced; a blind relay can hold it without reading it.
import * as Y from 'yjs';

export const createLogDoc = (): Y.Doc => new Y.Doc();

export const logArray = (doc: Y.Doc): Y.Array<Uint8Array> => doc.getArray<Uint8Array>('log');

/** Total bytes of the envelopes in the log. */
export function logBytes(doc: Y.Doc): number {
	let total = 0;
	for (const entry of logArray(doc)) total += entry instanceof Uint8Array ? entry.length : 0;
	return total;
}
