// One open space: loads it from the device, keeps tabs in step, and exposes what the UI shows
// as runes. Every change the UI makes goes through a method here; nothing above sees Yjs.
import type * as Y from 'yjs';
import * as pages from '../doc/pages';
import { createContentDoc, bodiesMap, type PageId, type PageRecord } from '../doc/schema';
import * as space from '../doc/space';
import { buildTree, layout, type TreeNode } from '../doc/tree';
import { createPageEditor, type EditorState, type PageEditor } from '../editor/page-editor';
import * as keyring from '../storage/keyring';
import { openSpaceStore, type SaveState, type SpaceStore } from '../storage/space-store';
import { TabChannel } from '../sync/tab-channel';
import { spaceEvents } from './space-events';

const TOUCH_PAGE_MS = 30_000;
const TOUCH_KEYRING_MS = 1_000;

export interface Download {
	filename: string;
	blob: Blob;
}

export class SpaceSession {
	readonly id: string;
	name = $state('');
	tree = $state.raw<TreeNode[]>([]);
	trash = $state.raw<PageRecord[]>([]);
	// reason: replaced whole on every refresh, never mutated, so a plain Map in $state.raw is right.
	// eslint-disable-next-line svelte/prefer-svelte-reactivity
	visible = $state.raw<ReadonlyMap<PageId, PageRecord>>(new Map());
	saveState = $state<SaveState>('saved');
	saveDetail = $state('');
	/** Stored records that could not be read when the space was opened (set aside, kept). */
	damaged = $state(0);
	/** Set when another tab deleted this space. */
	deleted = $state(false);
	readonly readOnly = false;

	readonly #doc: Y.Doc;
	#store: SpaceStore | null = null;
	#tabs: TabChannel | null = null;
	#refreshQueued = false;
	// reason: bookkeeping, not shown in the UI, so it needs no reactivity.
	// eslint-disable-next-line svelte/prefer-svelte-reactivity
	#touchedPages = new Map<PageId, number>();
	#keyringTimer: ReturnType<typeof setTimeout> | null = null;
	#unsubscribe: (() => void) | null = null;

	private constructor(id: string, doc: Y.Doc) {
		this.id = id;
		this.#doc = doc;
	}

	/** Opens a space held on this device; throws an Error with a message for people. */
	static async open(id: string): Promise<SpaceSession> {
		const entry = await keyring.get(id);
		if (entry === null) {
			throw new Error(
				'This space is not on this device. It may have been deleted, or the link is incomplete.'
			);
		}
		const session = new SpaceSession(id, createContentDoc());
		session.name = entry.name || space.DEFAULT_NAME;
		await session.#load();
		return session;
	}

	async #load() {
		const doc = this.#doc;
		this.#store = await openSpaceStore(this.id, doc, {
			onSaveState: (state, detail) => {
				this.saveState = state;
				this.saveDetail = detail;
			}
		});
		this.damaged = this.#store.report.damaged;
		this.#tabs = new TabChannel(`cp-tabs-${this.id}`, doc);
		doc.on('update', this.#onUpdate);
		bodiesMap(doc).observeDeep(this.#onBodyChange);
		this.#unsubscribe = spaceEvents.subscribe((event) => {
			if (event.type === 'deleted' && event.id === this.id) {
				this.deleted = true;
				void this.destroy();
			}
		});
		this.#refresh();
	}

	#onUpdate = (_update: Uint8Array, origin: unknown) => {
		if (!this.#refreshQueued) {
			this.#refreshQueued = true;
			queueMicrotask(() => {
				this.#refreshQueued = false;
				this.#refresh();
			});
		}
		// Only this tab's own edits move "last edited"; loading and other tabs do not.
		if (origin !== this.#tabs) this.#scheduleKeyringTouch();
	};

	#onBodyChange = (events: Array<Y.YEvent<Y.AbstractType<unknown>>>, tx: Y.Transaction) => {
		if (!tx.local) return;
		const now = Date.now();
		for (const event of events) {
			const id = this.#pageOfBody(event.target);
			if (id === null) continue;
			if (now - (this.#touchedPages.get(id) ?? 0) < TOUCH_PAGE_MS) continue;
			this.#touchedPages.set(id, now);
			// After this transaction, so the timestamp is its own small update.
			queueMicrotask(() => pages.touchPage(this.#doc, id, now));
		}
	};

	#pageOfBody(type: Y.AbstractType<unknown>): PageId | null {
		let current: Y.AbstractType<unknown> | null = type;
		const bodies = bodiesMap(this.#doc);
		while (current !== null && current.parent !== bodies)
			current = current.parent as Y.AbstractType<unknown> | null;
		const key = current?._item?.parentSub;
		return typeof key === 'string' ? (key as PageId) : null;
	}

	#scheduleKeyringTouch() {
		if (this.#keyringTimer !== null) return;
		this.#keyringTimer = setTimeout(() => {
			this.#keyringTimer = null;
			keyring
				.touch(this.id, { name: space.spaceName(this.#doc), updated: Date.now() })
				.then(() => spaceEvents.publish({ type: 'changed', id: this.id }))
				.catch((error: unknown) => console.warn('Could not update the space list', error));
		}, TOUCH_KEYRING_MS);
	}

	#refresh() {
		const view = layout(this.#doc);
		this.tree = buildTree(view);
		this.trash = view.trashed;
		this.visible = view.visible;
		this.name = space.spaceName(this.#doc);
	}

	page(id: PageId | null): PageRecord | null {
		return id === null ? null : (pages.getPage(this.#doc, id) ?? null);
	}

	/** The first page in the tree, to open when none is chosen. */
	firstPage(): PageId | null {
		return this.tree[0]?.page.id ?? null;
	}

	rename(name: string) {
		space.renameSpace(this.#doc, name);
	}

	createPage(parent: PageId | null = null, index?: number): PageId {
		return pages.createPage(this.#doc, { parent, index });
	}

	renamePage(id: PageId, title: string) {
		pages.renamePage(this.#doc, id, title);
	}

	movePage(id: PageId, parent: PageId | null, index: number): boolean {
		return pages.movePage(this.#doc, id, parent, index);
	}

	shiftPage(id: PageId, delta: -1 | 1) {
		return pages.shiftPage(this.#doc, id, delta);
	}

	indentPage(id: PageId) {
		return pages.indentPage(this.#doc, id);
	}

	outdentPage(id: PageId) {
		return pages.outdentPage(this.#doc, id);
	}

	trashPage(id: PageId) {
		pages.trashPage(this.#doc, id);
	}

	restorePage(id: PageId) {
		pages.restorePage(this.#doc, id);
	}

	deleteForever(id: PageId) {
		pages.deletePage(this.#doc, id);
	}

	emptyTrash() {
		this.#doc.transact(() => {
			for (const page of this.trash) pages.deletePage(this.#doc, page.id);
		});
	}

	isHidden(id: PageId): boolean {
		return pages.isHidden(this.#doc, id);
	}

	mountEditor(
		element: HTMLElement,
		id: PageId,
		callbacks: { onState(state: EditorState): void; onLinkRequest(): void }
	): PageEditor | null {
		const fragment = pages.body(this.#doc, id);
		if (fragment === null) return null;
		return createPageEditor({ element, fragment, editable: !this.readOnly, ...callbacks });
	}

	async exportPage(id: PageId, format: 'md' | 'html'): Promise<Download | null> {
		const page = pages.getPage(this.#doc, id);
		const fragment = pages.body(this.#doc, id);
		if (page === null || fragment === null) return null;
		const { safeName } = await import('../export/zip');
		const name = safeName(page.title || 'Untitled');
		if (format === 'md') {
			const { pageToMarkdown } = await import('../export/markdown');
			const text = pageToMarkdown(fragment, page.title);
			return { filename: `${name}.md`, blob: new Blob([text], { type: 'text/markdown' }) };
		}
		const { pageToHtml } = await import('../export/html');
		const html = pageToHtml(fragment, page.title, document);
		return { filename: `${name}.html`, blob: new Blob([html], { type: 'text/html' }) };
	}

	async exportSpace(onProgress: (done: number, total: number) => void): Promise<Download> {
		const { spaceToZip, safeName } = await import('../export/zip');
		const bytes = spaceToZip(this.#doc, onProgress);
		return {
			filename: `${safeName(this.name)}.zip`,
			blob: new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/zip' })
		};
	}

	async destroy() {
		this.#unsubscribe?.();
		this.#unsubscribe = null;
		if (this.#keyringTimer !== null) {
			clearTimeout(this.#keyringTimer);
			this.#keyringTimer = null;
			await keyring
				.touch(this.id, { name: space.spaceName(this.#doc), updated: Date.now() })
				.catch((error: unknown) => console.warn('Could not update the space list', error));
		}
		this.#doc.off('update', this.#onUpdate);
		bodiesMap(this.#doc).unobserveDeep(this.#onBodyChange);
		this.#tabs?.destroy();
		await this.#store?.destroy();
		this.#doc.destroy();
	}
}

export { parsePageId, type PageId, type PageRecord } from '../doc/schema';
export type { TreeNode } from '../doc/tree';
export type { EditorCommand, EditorState, PageEditor } from '../editor/page-editor';
