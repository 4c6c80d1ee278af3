// Sibling order as fractional-indexing keys: inserting between two pages never renumbers the
// others, and concurrent inserts stay deterministic (ties are broken by page id).
import { generateKeyBetween, generateNKeysBetween } from 'fractional-indexing';

export interface Ordered {
	id: string;
	order: string;
}

/** Sorts siblings the way every replica does: by key, then by id. */
export function compareOrdered(a: Ordered, b: Ordered): number {
	if (a.order !== b.order) return a.order < b.order ? -1 : 1;
	return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * Keys that place a new item at `index` among `siblings` (sorted, without the item itself).
 * Usually one fresh key; when neighbours share a key (two replicas inserted at the same spot)
 * or a stored key is not valid, the items from `index` on get new keys too, returned as
 * `rekeyed` so the caller can write them.
 */
export function keyAt(
	siblings: readonly Ordered[],
	index: number
): { key: string; rekeyed: Array<{ id: string; order: string }> } {
	const at = Math.max(0, Math.min(index, siblings.length));
	const before = siblings[at - 1]?.order ?? null;
	const after = siblings[at]?.order ?? null;
	try {
		return { key: generateKeyBetween(before, after), rekeyed: [] };
	} catch {
		// Equal or invalid neighbours: give the tail fresh keys after the last valid one.
		const rest = siblings.slice(at);
		const start = lastValidKey(siblings.slice(0, at));
		const keys = generateNKeysBetween(start, null, rest.length + 1);
		return {
			key: keys[0] as string,
			rekeyed: rest.map((item, i) => ({ id: item.id, order: keys[i + 1] as string }))
		};
	}
}

function lastValidKey(items: readonly Ordered[]): string | null {
	for (let i = items.length - 1; i >= 0; i--) {
		const key = (items[i] as Ordered).order;
		try {
			generateKeyBetween(key, null);
			return key;
		} catch {
			// reason: a damaged key cannot anchor new keys; look further back.
			continue;
		}
	}
	return null;
}
