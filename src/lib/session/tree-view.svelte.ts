// What the sidebar shows of a space's content doc — its name, the page tree, the trash — as
// runes, laid out again only when pages or the space's name change: a keystroke in a page body
// changes neither, so it costs no layout (in a 200-page space that was most of a keystroke's
// main-thread time).
import type * as Y from 'yjs';
import { metaMap, pagesMap, type PageId, type PageRecord } from '../doc/schema';
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
	#destroyed = false;

	constructor(doc: Y.Doc) {
		this.#doc = doc;
		pagesMap(doc).observeDeep(this.#queue);
		metaMap(doc).observe(this.#queue);
		doc.on('destroy', this.destroy);
		this.#refresh();
	}

	destroy = (): void => {
		if (this.#destroyed) return;
		this.#destroyed = true;
		pagesMap(this.#doc).unobserveDeep(this.#queue);
		metaMap(this.#doc).unobserve(this.#queue);
		this.#doc.off('destroy', this.destroy);
	};

	// One layout per burst of changes (a remote update can touch many pages at once).
	#queue = () => {
		if (this.#queued) return;
		this.#queued = true;
		queueMicrotask(() => {
			this.#queued = false;
			if (!this.#destroyed) this.#refresh();
		});
	};

	#refresh() {
		const view = layout(this.#doc);
		this.layouts++;
		this.tree = buildTree(view);
		this.trash = view.trashed;
		this.visible = view.visible;
		this.name = space.spaceName(this.#doc);
	}
}
