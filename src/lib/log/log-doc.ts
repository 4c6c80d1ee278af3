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
	const shape: LogShape = { roots: 0, children: new Map() };
	shapes.set(doc, shape);
	doc.on('afterTransaction', (transaction: Y.Transaction) => {
		doc.store.pendingStructs = null;
		doc.store.pendingDs = null;
		countShape(shape, transaction);
	});
	return doc;
}

/**
 * What peers' placement rules need to know of a log doc's items: how many have no origin, and
 * how many follow each item (by `client:clock`). Peers refuse updates that would take a log past
 * the caps on these (sync/peer-message.ts), so every log an honest peer holds can also be sent
 * whole: what it accepts, it can pass on.
 */
export interface LogShape {
	roots: number;
	children: Map<string, number>;
}

const shapes = new WeakMap<Y.Doc, LogShape>();

/** The shape of a log doc made by createLogDoc (null for any other doc). */
export const logShape = (doc: Y.Doc): LogShape | null => shapes.get(doc) ?? null;

function countShape(shape: LogShape, transaction: Y.Transaction) {
	for (const [client, after] of transaction.afterState) {
		const before = transaction.beforeState.get(client) ?? 0;
		if (after <= before) continue;
		const structs = transaction.doc.store.clients.get(client);
		if (structs === undefined) continue;
		let i = 0;
		try {
			i = Y.findIndexSS(structs, before);
		} catch {
			// reason: no struct holds `before` (it starts a gap); count from the first after it.
			i = structs.findIndex((struct) => struct.id.clock >= before);
			if (i < 0) continue;
		}
		for (; i < structs.length; i++) {
			const struct = structs[i] as Y.Item | Y.GC;
			if (struct.id.clock >= after) break;
			if (!(struct instanceof Y.Item) || struct.id.clock < before) continue;
			if (struct.origin === null) shape.roots++;
			else {
				const key = `${struct.origin.client}:${struct.origin.clock}`;
				shape.children.set(key, (shape.children.get(key) ?? 0) + 1);
			}
		}
	}
}

export const logArray = (doc: Y.Doc): Y.Array<Uint8Array> => doc.getArray<Uint8Array>('log');

/** Total bytes of the envelopes in the log. */
export function logBytes(doc: Y.Doc): number {
	let total = 0;
	for (const entry of logArray(doc)) total += entry instanceof Uint8Array ? entry.length : 0;
	return total;
}

/** Per log doc, the last entry this device appended (what its next entry chains to). */
const lastOwn = new WeakMap<Y.Doc, Y.Item>();

/**
 * Appends `values` to the log, each right after this device's previous entry of the session
 * (the first at the end). Entries are all appends either way: no right origin, so every peer
 * places them alike. Chaining matters for what stays behind: Yjs merges deleted entries into
 * one run only along an origin chain of one writer, so if two people typing together each
 * appended at the end, every entry would alternate with the other's and stay a struct of its
 * own forever (tens of thousands an hour of co-editing: a history no newcomer could take in).
 * Chained, a writer's entries stay together and compaction leaves a few runs per session.
 * Call inside a transaction. (Uses Yjs's Item, as Y.Array.push does inside.)
 */
export function appendEntries(doc: Y.Doc, values: Uint8Array[]): void {
	if (values.length === 0) return;
	const array = logArray(doc);
	let left = lastOwn.get(doc);
	if (left === undefined || left.id.client !== doc.clientID || left.parent !== array) {
		array.push(values);
		const state = Y.getState(doc.store, doc.clientID);
		lastOwn.set(doc, Y.getItem(doc.store, Y.createID(doc.clientID, state - 1)) as Y.Item);
		return;
	}
	Y.transact(doc, (transaction) => {
		for (const value of values) {
			const id = Y.createID(doc.clientID, Y.getState(doc.store, doc.clientID));
			const item = new Y.Item(
				id,
				left as Y.Item,
				(left as Y.Item).lastId,
				null,
				null,
				array,
				null,
				new Y.ContentBinary(value)
			);
			item.integrate(transaction, 0);
			left = item;
		}
	});
	lastOwn.set(doc, left);
	// Index caches (search markers) past an insertion in the middle are stale now.
	(array as unknown as { _searchMarker: unknown[] | null })._searchMarker?.splice(0);
}

/** What a receiver holds, for checking an update against its log (sync/peer-message.ts). */
export interface HeldLog {
	/** How many of `client`'s ids the log holds (its clock). */
	state(client: number): number;
	roots: number;
	childrenOf(originKey: string): number;
}

export function heldLog(doc: Y.Doc): HeldLog | undefined {
	const shape = logShape(doc);
	if (shape === null) return undefined;
	return {
		state: (client) => Y.getState(doc.store, client),
		get roots() {
			return shape.roots;
		},
		childrenOf: (key) => shape.children.get(key) ?? 0
	};
}
