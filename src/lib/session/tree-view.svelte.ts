// What the sidebar shows of a space's content doc — its name, the page tree, the trash — as
// runes, laid out again only when pages or the space's name change: a keystroke in a page body
// changes neither, so it costs no layout (in a 200-page space that was most of a keystroke's
// main-thread time).
import * as Y from 'yjs';
import { metaMap, pagesMap, readPage, type PageId, type PageRecord } from '../doc/schema';
import * as space from '../doc/space';
import { buildTree, layout, type TreeNode } from '../doc/tree';

export class TreeView {
	name = $state('');
	tree = $state.raw<TreeNode[]>([]);
	trash = $state.raw<PageRecord[]>([]);
	// reason: replaced whole on every refresh, never mutated, so a plain Map in $state.raw is right.
	// eslint-disable-next-line svelte/prefer-svelte-reactivity
	visible = $state.raw<ReadonlyMap<PageId, PageRecord>>(new Map());
	/** How many times the tree was laid out (for tests and the curious). */
	layouts = 0;
	readonly #doc: Y.Doc;
	#queued = false;
	/** A change since the last layout that needs a new one (not only `updated` times). */
	#stale = false;
	// reason: bookkeeping between an event and the next microtask, never read by the UI.
	// eslint-disable-next-line svelte/prefer-svelte-reactivity
	readonly #touched = new Set<PageId>();
	#destroyed = false;

	constructor(doc: Y.Doc) {
		this.#doc = doc;
		pagesMap(doc).observeDeep(this.#onPages);
		metaMap(doc).observe(this.#onMeta);
		doc.on('destroy', this.destroy);
		this.#refresh();
	}

	destroy = (): void => {
		if (this.#destroyed) return;
		this.#destroyed = true;
		pagesMap(this.#doc).unobserveDeep(this.#onPages);
		metaMap(this.#doc).unobserve(this.#onMeta);
		this.#doc.off('destroy', this.destroy);
	};

	// One layout per burst of changes (a remote update can touch many pages at once). A change
	// to nothing but pages' `updated` times (PageActivity touches one while someone types, at
	// most every 30 s) changes no tree: those records are replaced in `visible`, nothing is laid out.
	#onPages = (events: Array<Y.YEvent<Y.AbstractType<unknown>>>) => {
		const touched = onlyTouched(events, pagesMap(this.#doc) as Y.AbstractType<unknown>);
		if (touched === null) this.#stale = true;
		else for (const id of touched) this.#touched.add(id);
		this.#queue();
	};

	#onMeta = () => {
		this.#stale = true;
		this.#queue();
	};

	#queue() {
		if (this.#queued) return;
		this.#queued = true;
		queueMicrotask(() => {
			this.#queued = false;
			if (this.#destroyed) return;
			if (this.#stale) this.#refresh();
			else this.#retouch();
			this.#stale = false;
			this.#touched.clear();
		});
	}

	/** Replaces the records of pages whose `updated` time alone changed. */
	#retouch() {
		const pages = pagesMap(this.#doc);
		// reason: a fresh map handed to $state.raw whole (as #refresh does), never mutated after.
		// eslint-disable-next-line svelte/prefer-svelte-reactivity
		const visible = new Map(this.visible);
		for (const id of this.#touched) {
			const map = pages.get(id);
			if (map !== undefined && visible.has(id)) visible.set(id, readPage(id, map));
		}
		this.visible = visible;
	}

	#refresh() {
		const view = layout(this.#doc);
		this.layouts++;
		this.tree = buildTree(view);
		this.trash = view.trashed;
		this.visible = view.visible;
		this.name = space.spaceName(this.#doc);
	}
}

/**
 * The pages whose `updated` time is all that `events` changed, or null if they changed anything
 * else (a title, a parent, an order, a page added or removed, the space's name).
 */
function onlyTouched(
	events: Array<Y.YEvent<Y.AbstractType<unknown>>>,
	pages: Y.AbstractType<unknown>
): PageId[] | null {
	const ids: PageId[] = [];
	for (const event of events) {
		if (!(event instanceof Y.YMapEvent) || event.target._item?.parent !== pages) return null;
		for (const key of event.keysChanged) if (key !== 'updated') return null;
		const id = event.target._item?.parentSub;
		if (typeof id !== 'string') return null;
		ids.push(id as PageId);
	}
	return ids;
}
