// The page tree as every replica sees it. Concurrent moves can leave a page whose parent was
// deleted, or two pages that are each other's parent; the layout resolves both the same way on
// every replica (orphans and cycles surface at the top level), so nothing ever disappears.
import * as Y from 'yjs';
import { compareOrdered } from './order';
import { pagesMap, readPage, type PageId, type PageRecord } from './schema';

export interface TreeNode {
	page: PageRecord;
	depth: number;
	children: TreeNode[];
}

export interface Layout {
	/** Live pages by their effective parent (null = top level), each list in sibling order. */
	children: Map<PageId | null, PageRecord[]>;
	/** Pages in the trash themselves (not those only hidden under a trashed ancestor). */
	trashed: PageRecord[];
	/** Live, visible pages by id. */
	visible: Map<PageId, PageRecord>;
}

export function readAll(doc: Y.Doc): Map<PageId, PageRecord> {
	const all = new Map<PageId, PageRecord>();
	pagesMap(doc).forEach((map, key) => {
		if (map instanceof Y.Map) all.set(key as PageId, readPage(key as PageId, map));
	});
	return all;
}

export function layout(doc: Y.Doc): Layout {
	const all = readAll(doc);
	const declared = new Map<PageId | null, PageRecord[]>();
	for (const page of all.values()) {
		if (page.trashed !== null) continue;
		const parent = page.parent !== null && all.has(page.parent) ? page.parent : null;
		const list = declared.get(parent) ?? [];
		list.push(page);
		declared.set(parent, list);
	}
	const children = new Map<PageId | null, PageRecord[]>();
	const visible = new Map<PageId, PageRecord>();
	const attach = (parent: PageId | null, page: PageRecord) => {
		const list = children.get(parent) ?? [];
		list.push(page);
		children.set(parent, list);
	};
	const visit = (start: PageRecord[], parent: PageId | null) => {
		const stack: Array<[PageId | null, PageRecord]> = start.map((p) => [parent, p]);
		while (stack.length > 0) {
			const [at, page] = stack.pop() as [PageId | null, PageRecord];
			if (visible.has(page.id)) continue;
			visible.set(page.id, page);
			attach(at, page);
			for (const child of declared.get(page.id) ?? []) stack.push([page.id, child]);
		}
	};
	visit(declared.get(null) ?? [], null);
	// What is left is live but unreachable: under a trashed ancestor (stays hidden) or in a
	// cycle (surfaces at the top level, smallest id first, so all replicas agree).
	const rest = [...all.values()]
		.filter((p) => p.trashed === null && !visible.has(p.id) && !underTrash(all, p))
		.sort((a, b) => (a.id < b.id ? -1 : 1));
	for (const page of rest) if (!visible.has(page.id)) visit([page], null);
	for (const list of children.values()) list.sort(compareOrdered);
	const trashed = [...all.values()]
		.filter((p) => p.trashed !== null)
		.sort((a, b) => (b.trashed as number) - (a.trashed as number));
	return { children, trashed, visible };
}

function underTrash(all: Map<PageId, PageRecord>, page: PageRecord): boolean {
	const seen = new Set<PageId>();
	let current = page.parent;
	while (current !== null && !seen.has(current)) {
		seen.add(current);
		const parent = all.get(current);
		if (parent === undefined) return false;
		if (parent.trashed !== null) return true;
		current = parent.parent;
	}
	return false;
}

export function buildTree(view: Layout, parent: PageId | null = null, depth = 0): TreeNode[] {
	return (view.children.get(parent) ?? []).map((page) => ({
		page,
		depth,
		children: buildTree(view, page.id, depth + 1)
	}));
}

/** Live children of `parent` in sibling order, as the tree shows them. */
export function childrenOf(doc: Y.Doc, parent: PageId | null): PageRecord[] {
	return layout(doc).children.get(parent) ?? [];
}

/** True when `ancestor` is on `id`'s declared parent chain. */
export function isAncestor(doc: Y.Doc, ancestor: PageId, id: PageId): boolean {
	const all = readAll(doc);
	const seen = new Set<PageId>();
	let current = all.get(id)?.parent ?? null;
	while (current !== null && !seen.has(current)) {
		if (current === ancestor) return true;
		seen.add(current);
		current = all.get(current)?.parent ?? null;
	}
	return false;
}

/** Visible pages in reading order (depth first), for keyboard navigation and export. */
export function flatten(nodes: TreeNode[]): TreeNode[] {
	const out: TreeNode[] = [];
	const walk = (list: TreeNode[]) => {
		for (const node of list) {
			out.push(node);
			walk(node.children);
		}
	};
	walk(nodes);
	return out;
}
