// When a page's body is edited here, its `updated` time follows — at most once per interval
// per page, because with `gc: false` every map write stays in the document forever. Which page a
// changed body belongs to is found by walking up public `parent` links to a fragment this module
// knows (kept in step with `bodies`), not through Yjs internals.
import type * as Y from 'yjs';
import { touchPage } from './pages';
import { bodiesMap, type PageId } from './schema';

export interface ActivityOptions {
	/** Whether a transaction is this person's own editing (not a peer's, not the bridge's). */
	isOwnEdit(tx: Y.Transaction): boolean;
	intervalMs?: number;
	now?: () => number;
}

export class PageActivity {
	readonly #doc: Y.Doc;
	readonly #options: ActivityOptions;
	readonly #interval: number;
	readonly #fragments = new WeakMap<object, PageId>();
	readonly #touched = new Map<PageId, number>();
	#destroyed = false;

	constructor(doc: Y.Doc, options: ActivityOptions) {
		this.#doc = doc;
		this.#options = options;
		this.#interval = options.intervalMs ?? 30_000;
		const bodies = bodiesMap(doc);
		bodies.forEach((fragment, id) => this.#fragments.set(fragment, id as PageId));
		bodies.observe(this.#onBodies);
		bodies.observeDeep(this.#onBodyChange);
		doc.on('destroy', this.destroy);
	}

	destroy = (): void => {
		if (this.#destroyed) return;
		this.#destroyed = true;
		const bodies = bodiesMap(this.#doc);
		bodies.unobserve(this.#onBodies);
		bodies.unobserveDeep(this.#onBodyChange);
		this.#doc.off('destroy', this.destroy);
	};

	/** The page whose body holds `type`, or null. */
	pageOf(type: { parent: unknown }): PageId | null {
		let current: { parent: unknown } | null = type;
		while (current !== null) {
			const id = this.#fragments.get(current);
			if (id !== undefined) return id;
			current = current.parent as { parent: unknown } | null;
		}
		return null;
	}

	#onBodies = (event: Y.YMapEvent<Y.XmlFragment>) => {
		const bodies = bodiesMap(this.#doc);
		for (const key of event.keysChanged) {
			const fragment = bodies.get(key);
			if (fragment !== undefined) this.#fragments.set(fragment, key as PageId);
		}
	};

	#onBodyChange = (events: Array<Y.YEvent<Y.AbstractType<unknown>>>, tx: Y.Transaction) => {
		if (!this.#options.isOwnEdit(tx)) return;
		const now = (this.#options.now ?? Date.now)();
		for (const event of events) {
			const id = this.pageOf(event.target);
			if (id === null || now - (this.#touched.get(id) ?? 0) < this.#interval) continue;
			this.#touched.set(id, now);
			// After this transaction, so the timestamp is its own small update.
			queueMicrotask(() => {
				if (!this.#destroyed) touchPage(this.#doc, id, now);
			});
		}
	};
}
