// Which log entries a transaction added and deleted, with their Yjs item ids, in time linear in
// what changed. Yjs's own `event.changes` walks the whole array for every event and is
// quadratic in the number of items one update adds (40,000 tiny entries: 7 s), so this reads
// the transaction's before/after state vectors and delete set instead. Pure: Yjs only.
import * as Y from 'yjs';

/** A log entry's Yjs item id: visible to every peer, key or not. */
export interface ItemId {
	client: number;
	clock: number;
}

export interface LogEntry {
	id: ItemId;
	/** What the item holds: an envelope if it is one, anything at all if someone is hostile. */
	value: unknown;
}

export const keyOf = (id: ItemId): string => `${id.client}:${id.clock}`;

/** Every live entry of the log, in array order. */
export function liveEntries(log: Y.Array<unknown>): LogEntry[] {
	const out: LogEntry[] = [];
	for (let item = log._start; item !== null; item = item.right) {
		if (item.deleted || !item.countable) continue;
		pushValues(out, item, 0, item.length);
	}
	return out;
}

/** The entries of `log` that `tx` added (and left alive) and the live ones it deleted. */
export function changedEntries(
	tx: Y.Transaction,
	log: Y.Array<unknown>
): { added: LogEntry[]; deleted: LogEntry[] } {
	const added: LogEntry[] = [];
	const deleted: LogEntry[] = [];
	const store = tx.doc.store;
	for (const [client, after] of tx.afterState) {
		const before = tx.beforeState.get(client) ?? 0;
		if (after <= before) continue;
		const structs = store.clients.get(client);
		if (structs === undefined) continue;
		for (let i = indexOf(structs, before); i >= 0 && i < structs.length; i++) {
			const struct = structs[i] as Y.Item | Y.GC;
			if (struct.id.clock >= after) break;
			if (!(struct instanceof Y.Item) || struct.parent !== log) continue;
			if (struct.deleted || !struct.countable) continue;
			const from = Math.max(0, before - struct.id.clock);
			const to = Math.min(struct.length, after - struct.id.clock);
			pushValues(added, struct, from, to);
		}
	}
	for (const [client, ranges] of tx.deleteSet.clients) {
		const structs = store.clients.get(client);
		if (structs === undefined) continue;
		// Items made in this same transaction were never held by anyone: not a deletion to judge.
		const before = tx.beforeState.get(client) ?? 0;
		for (const range of ranges) {
			const end = Math.min(range.clock + range.len, before);
			for (let i = indexOf(structs, range.clock); i >= 0 && i < structs.length; i++) {
				const struct = structs[i] as Y.Item | Y.GC;
				if (struct.id.clock >= end) break;
				if (!(struct instanceof Y.Item) || struct.parent !== log || !struct.countable) continue;
				const from = Math.max(0, range.clock - struct.id.clock);
				const to = Math.min(struct.length, end - struct.id.clock);
				pushValues(deleted, struct, from, to);
			}
		}
	}
	return { added, deleted };
}

/** The index of the struct holding `clock`, or -1 (never throws, unlike Yjs's findIndexSS). */
function indexOf(structs: Array<Y.Item | Y.GC>, clock: number): number {
	let low = 0;
	let high = structs.length - 1;
	while (low <= high) {
		const mid = (low + high) >>> 1;
		const struct = structs[mid] as Y.Item | Y.GC;
		if (clock < struct.id.clock) high = mid - 1;
		else if (clock >= struct.id.clock + struct.length) low = mid + 1;
		else return mid;
	}
	return -1;
}

function pushValues(out: LogEntry[], item: Y.Item, from: number, to: number) {
	// ContentAny (what `push` writes) keeps its values in `arr`; anything else is a hostile
	// writer's content, read through the generic accessor.
	const values: unknown[] =
		item.content instanceof Y.ContentAny ? item.content.arr : item.content.getContent();
	for (let k = from; k < to; k++) {
		out.push({ id: { client: item.id.client, clock: item.id.clock + k }, value: values[k] });
	}
}
