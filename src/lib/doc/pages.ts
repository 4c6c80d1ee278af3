// Page operations on the content doc: create, rename, move, trash, restore, delete. Each is one
// Yjs transaction, so a peer or another tab sees it whole.
import * as Y from 'yjs';
import { keyAt } from './order';
import {
	bodiesMap,
	cleanTitle,
	newPageId,
	pagesMap,
	readPage,
	type PageId,
	type PageMap,
	type PageRecord
} from './schema';
import { childrenOf, isAncestor } from './tree';

export { MAX_TITLE_LENGTH } from './schema';

export interface NewPage {
	title?: string;
	parent?: PageId | null;
	/** Position among the live siblings; default: last. */
	index?: number;
	/** Optional origin for the transaction (e.g. to keep it out of someone's undo stack). */
	origin?: unknown;
}

export function getPage(doc: Y.Doc, id: PageId): PageRecord | null {
	const map = pagesMap(doc).get(id);
	return map instanceof Y.Map ? readPage(id, map) : null;
}

export function createPage(doc: Y.Doc, options: NewPage = {}, now = Date.now()): PageId {
	const id = newPageId();
	const parent = options.parent ?? null;
	if (parent !== null && getPage(doc, parent) === null) throw new Error('Parent page not found');
	doc.transact(() => {
		const siblings = childrenOf(doc, parent);
		const { key, rekeyed } = keyAt(siblings, options.index ?? siblings.length);
		writeOrders(doc, rekeyed);
		const map: PageMap = new Y.Map();
		map.set('title', cleanTitle(options.title ?? ''));
		map.set('parent', parent);
		map.set('order', key);
		map.set('created', now);
		map.set('updated', now);
		map.set('trashed', null);
		pagesMap(doc).set(id, map);
		bodiesMap(doc).set(id, new Y.XmlFragment());
	}, options.origin);
	return id;
}

export function renamePage(doc: Y.Doc, id: PageId, title: string, now = Date.now()): void {
	const map = pagesMap(doc).get(id);
	if (!(map instanceof Y.Map)) return;
	const clean = cleanTitle(title);
	if (map.get('title') === clean) return;
	doc.transact(() => {
		map.set('title', clean);
		map.set('updated', now);
	});
}

export function touchPage(doc: Y.Doc, id: PageId, now = Date.now()): void {
	const map = pagesMap(doc).get(id);
	if (map instanceof Y.Map) map.set('updated', now);
}

/**
 * Moves a page under `parent` (null = top level) at `index` among the live siblings there.
 * Refuses to move a page into itself or its own descendants.
 */
export function movePage(
	doc: Y.Doc,
	id: PageId,
	parent: PageId | null,
	index: number,
	now = Date.now()
): boolean {
	const map = pagesMap(doc).get(id);
	if (!(map instanceof Y.Map)) return false;
	if (parent !== null && (parent === id || getPage(doc, parent) === null)) return false;
	if (parent !== null && isAncestor(doc, id, parent)) return false;
	doc.transact(() => {
		const siblings = childrenOf(doc, parent).filter((page) => page.id !== id);
		const { key, rekeyed } = keyAt(siblings, index);
		writeOrders(doc, rekeyed);
		map.set('parent', parent);
		map.set('order', key);
		map.set('updated', now);
	});
	return true;
}

/** Moves a page one place up or down among its siblings. */
export function shiftPage(doc: Y.Doc, id: PageId, delta: -1 | 1): boolean {
	const page = getPage(doc, id);
	if (page === null) return false;
	const siblings = childrenOf(doc, page.parent);
	const index = siblings.findIndex((p) => p.id === id);
	const target = index + delta;
	if (index < 0 || target < 0 || target >= siblings.length) return false;
	return movePage(doc, id, page.parent, target);
}

/** Makes a page the last child of the sibling above it. */
export function indentPage(doc: Y.Doc, id: PageId): boolean {
	const page = getPage(doc, id);
	if (page === null) return false;
	const siblings = childrenOf(doc, page.parent);
	const index = siblings.findIndex((p) => p.id === id);
	const above = siblings[index - 1];
	if (index <= 0 || above === undefined) return false;
	return movePage(doc, id, above.id, childrenOf(doc, above.id).length);
}

/** Moves a page out of its parent, to just below that parent. */
export function outdentPage(doc: Y.Doc, id: PageId): boolean {
	const page = getPage(doc, id);
	if (page === null || page.parent === null) return false;
	const parent = getPage(doc, page.parent);
	const grandparent = parent?.parent ?? null;
	const uncles = childrenOf(doc, grandparent);
	const index = uncles.findIndex((p) => p.id === page.parent);
	return movePage(doc, id, grandparent, index + 1);
}

/** Moves a page (and with it, its sub-pages) to the trash. */
export function trashPage(doc: Y.Doc, id: PageId, now = Date.now()): void {
	const map = pagesMap(doc).get(id);
	if (!(map instanceof Y.Map) || typeof map.get('trashed') === 'number') return;
	map.set('trashed', now);
}

/** Brings a page back; if its parent is gone or in the trash, it comes back at the top level. */
export function restorePage(doc: Y.Doc, id: PageId, now = Date.now()): void {
	const map = pagesMap(doc).get(id);
	if (!(map instanceof Y.Map)) return;
	doc.transact(() => {
		map.set('trashed', null);
		const page = readPage(id, map);
		const parent = page.parent === null ? null : getPage(doc, page.parent);
		if (page.parent !== null && (parent === null || isHidden(doc, parent.id))) {
			const siblings = childrenOf(doc, null).filter((p) => p.id !== id);
			const { key, rekeyed } = keyAt(siblings, siblings.length);
			writeOrders(doc, rekeyed);
			map.set('parent', null);
			map.set('order', key);
		}
		map.set('updated', now);
	});
}

/** Deletes a page and all its sub-pages for good (from the trash). */
export function deletePage(doc: Y.Doc, id: PageId): void {
	const doomed = [id, ...descendantsOf(doc, id)];
	doc.transact(() => {
		for (const page of doomed) {
			pagesMap(doc).delete(page);
			bodiesMap(doc).delete(page);
		}
	});
}

export function body(doc: Y.Doc, id: PageId): Y.XmlFragment | null {
	const fragment = bodiesMap(doc).get(id);
	return fragment instanceof Y.XmlFragment ? fragment : null;
}

/** Nothing written in a page's body yet: no blocks, or only empty paragraphs (a new page's). */
export function isBlank(doc: Y.Doc, id: PageId): boolean {
	const fragment = body(doc, id);
	if (fragment === null) return true;
	return fragment
		.toArray()
		.every(
			(node) => node instanceof Y.XmlElement && node.nodeName === 'paragraph' && node.length === 0
		);
}

/** Every page below `id`, trashed or not. */
export function descendantsOf(doc: Y.Doc, id: PageId): PageId[] {
	const byParent = new Map<PageId, PageId[]>();
	pagesMap(doc).forEach((map, key) => {
		if (!(map instanceof Y.Map)) return;
		const page = readPage(key as PageId, map);
		if (page.parent === null) return;
		const list = byParent.get(page.parent) ?? [];
		list.push(page.id);
		byParent.set(page.parent, list);
	});
	const out: PageId[] = [];
	const seen = new Set<PageId>([id]);
	const stack = [...(byParent.get(id) ?? [])];
	while (stack.length > 0) {
		const next = stack.pop() as PageId;
		if (seen.has(next)) continue;
		seen.add(next);
		out.push(next);
		stack.push(...(byParent.get(next) ?? []));
	}
	return out;
}

/** True when the page or one of its ancestors is in the trash. */
export function isHidden(doc: Y.Doc, id: PageId): boolean {
	const seen = new Set<PageId>();
	let current: PageId | null = id;
	while (current !== null && !seen.has(current)) {
		seen.add(current);
		const page = getPage(doc, current);
		if (page === null) return false;
		if (page.trashed !== null) return true;
		current = page.parent;
	}
	return false;
}

function writeOrders(doc: Y.Doc, orders: ReadonlyArray<{ id: string; order: string }>): void {
	for (const { id, order } of orders) {
		const map = pagesMap(doc).get(id);
		if (map instanceof Y.Map) map.set('order', order);
	}
}
