// One open space: loads it from the device, keeps tabs in step, and exposes what the UI shows
// as runes. Every change the UI makes goes through a method here; nothing above sees Yjs.
import type * as Y from 'yjs';
import { toView } from '../crypto/capability';
import * as links from '../crypto/links';
import * as pages from '../doc/pages';
import { bodiesMap, parsePageId, type PageId, type PageRecord } from '../doc/schema';
import * as space from '../doc/space';
import { buildTree, layout, type TreeNode } from '../doc/tree';
import type { EditorState, PageEditor } from '../editor/page-editor';
import { logArray } from '../log/log-doc';
import * as keyring from '../storage/keyring';
import {
	loadProfile,
	NETWORK_SETTING,
	PROFILE_SETTING,
	saveProfile,
	type Profile
} from '../storage/settings';
import type { SaveState } from '../storage/space-store';
import type { Peer } from '../sync/presence';
import type { SyncStatus } from '../sync/space-transport';
import { ensureMigrated } from './migrate';
import { openCore, type Core } from './space-core';
import { spaceEvents } from './space-events';
import { INITIAL_STATUS, SpaceSync } from './space-sync';

// The editor is the biggest part of the app's code. It is fetched and compiled while the space
// opens (IndexedDB, decryption), instead of before: the two overlap.
let editorModule: Promise<typeof import('../editor/page-editor')> | null = null;
const loadEditor = () => (editorModule ??= import('../editor/page-editor'));

const TOUCH_PAGE_MS = 30_000;
const TOUCH_KEYRING_MS = 1_000;

export interface Download {
	filename: string;
	blob: Blob;
}

export class SpaceSession {
	readonly id: string;
	readonly readOnly: boolean;
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
	/** Log entries that failed verification or could not be opened, since opening. */
	rejected = $state(0);
	/** Set when another tab deleted this space. */
	deleted = $state(false);
	/** How this device is connected to others holding the space. */
	sync = $state.raw<SyncStatus>(INITIAL_STATUS);
	/** Everyone else here now (names, colours, pages). */
	peers = $state.raw<Peer[]>([]);
	/** Syncing paused by the person (work offline). */
	paused = $state(false);
	/** Nothing of this space has arrived yet (it was just joined by a link). */
	empty = $state(false);
	profile = $state.raw<Profile>(loadProfile());

	readonly #core: Core;
	readonly #doc: Y.Doc;
	#refreshQueued = false;
	// reason: bookkeeping, not shown in the UI, so it needs no reactivity.
	// eslint-disable-next-line svelte/prefer-svelte-reactivity
	#touchedPages = new Map<PageId, number>();
	#keyringTimer: ReturnType<typeof setTimeout> | null = null;
	#unsubscribe: (() => void) | null = null;
	#sync: SpaceSync | null = null;
	#unrejected: (() => void) | null = null;

	private constructor(core: Core) {
		this.#core = core;
		this.#doc = core.content;
		this.id = core.id;
		this.readOnly = core.cap.kind !== 'edit';
	}

	/** Opens a space held on this device; throws an Error with a message for people. */
	static async open(id: string): Promise<SpaceSession> {
		void loadEditor().catch((error: unknown) => console.warn('The editor could not load', error));
		let entry = await keyring.find(id);
		if (entry === null) {
			throw new Error(
				'This space is not on this device. It may have been deleted, or the link is incomplete.'
			);
		}
		entry = await ensureMigrated(entry);
		const holder: { session?: SpaceSession } = {};
		const core = await openCore(entry, {
			onSaveState: (state, detail) => {
				if (!holder.session) return;
				holder.session.saveState = state;
				holder.session.saveDetail = detail;
			}
		});
		const session = new SpaceSession(core);
		holder.session = session;
		session.name = entry.name || space.DEFAULT_NAME;
		session.#start();
		return session;
	}

	#start() {
		this.damaged = this.#core.store.report.damaged;
		this.#doc.on('update', this.#onUpdate);
		bodiesMap(this.#doc).observeDeep(this.#onBodyChange);
		this.#unrejected = this.#core.bridge.onRejected(() => {
			this.rejected = this.#countRejected();
		});
		this.#unsubscribe = spaceEvents.subscribe((event) => {
			if (event.type === 'deleted' && event.id === this.id) {
				this.deleted = true;
				void this.destroy();
			}
		});
		globalThis.addEventListener?.('pagehide', this.#onPageHide);
		globalThis.addEventListener?.('storage', this.#onSettingsChanged);
		this.#refresh();
		this.#sync = new SpaceSync(this.#core, this.profile, {
			onStatus: (status) => {
				this.sync = status;
				this.empty = this.#logIsEmpty();
			},
			// Your own other tabs are not "people here" (the sync panel counts them as tabs).
			onPeers: (peers) => (this.peers = peers.filter((peer) => !peer.self))
		});
		exposeForDebugging(this.#core, this.#sync.presence.opened);
	}

	/** Settings saved in another tab apply here at once: servers reconnect, the name changes. */
	#onSettingsChanged = (event: StorageEvent) => {
		if (event.key === NETWORK_SETTING) this.#sync?.reconnect();
		if (event.key === PROFILE_SETTING) {
			this.profile = loadProfile();
			this.#sync?.setProfile(this.profile);
		}
	};

	/** The tab is going away: seal waiting changes now, synchronously. */
	#onPageHide = () => this.#core.bridge.flushNow();

	// This tab's own edits, and what arrives through the log, both count as an edit.
	#onUpdate = () => {
		if (!this.#refreshQueued) {
			this.#refreshQueued = true;
			queueMicrotask(() => {
				this.#refreshQueued = false;
				this.#refresh();
			});
		}
		this.#scheduleKeyringTouch();
	};

	#onBodyChange = (events: Array<Y.YEvent<Y.AbstractType<unknown>>>, tx: Y.Transaction) => {
		if (!tx.local || tx.origin === this.#core.bridge || this.readOnly) return;
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
			void this.#touchKeyring();
		}, TOUCH_KEYRING_MS);
	}

	async #touchKeyring() {
		await keyring
			.touch(this.id, { name: space.spaceName(this.#doc), updated: Date.now() })
			.then(() => spaceEvents.publish({ type: 'changed', id: this.id }))
			.catch((error: unknown) => console.warn('Could not update the space list', error));
	}

	#refresh() {
		const view = layout(this.#doc);
		this.tree = buildTree(view);
		this.trash = view.trashed;
		this.visible = view.visible;
		this.name = space.spaceName(this.#doc);
		this.empty = this.#logIsEmpty();
		this.rejected = this.#countRejected();
	}

	/** The edit link (editors only) and the view link, as fragments without '#'. */
	shareLinks(): { edit: string | null; view: string } {
		const cap = this.#core.cap;
		return {
			edit: cap.kind === 'edit' ? links.format(cap) : null,
			view: links.format(toView(cap))
		};
	}

	#logIsEmpty(): boolean {
		return logArray(this.#core.log).length === 0;
	}

	#countRejected(): number {
		const rejected = this.#core.bridge.stats.rejected;
		return Object.values(rejected).reduce((a, b) => a + (b ?? 0), 0);
	}

	/** Tells the others which page this person is on. */
	showingPage(id: PageId | null) {
		this.#sync?.setPage(id);
	}

	/** Changes how this person appears to others, on every space. */
	setProfile(name: string, color: string) {
		const profile: Profile = {
			name: name.trim().slice(0, 40) || this.profile.name,
			color,
			chosen: true
		};
		saveProfile(profile);
		this.profile = profile;
		this.#sync?.setProfile(profile);
	}

	/** Work offline: disconnect from peers until resumed; edits are still saved here. */
	setPaused(paused: boolean) {
		if (paused) this.#sync?.pause();
		else this.#sync?.resume();
		this.paused = paused;
	}

	page(id: PageId | null): PageRecord | null {
		return id === null ? null : (pages.getPage(this.#doc, id) ?? null);
	}

	/** A page's title for display, from an id that came from elsewhere (a peer). */
	titleOf(id: string): string {
		const page = this.page(parsePageId(id));
		return page === null ? 'a page not here yet' : page.title.trim() || 'Untitled';
	}

	/** The first page in the tree, to open when none is chosen. */
	firstPage(): PageId | null {
		return this.tree[0]?.page.id ?? null;
	}

	// Every change below is refused for a viewer: its editor is read-only and its bridge would
	// not seal anyway, but the UI should not even pretend.
	#write<T>(fallback: T, change: () => T): T {
		return this.readOnly ? fallback : change();
	}

	rename(name: string) {
		this.#write(undefined, () => space.renameSpace(this.#doc, name));
	}

	createPage(parent: PageId | null = null, index?: number): PageId | null {
		return this.#write(null, () => pages.createPage(this.#doc, { parent, index }));
	}

	renamePage(id: PageId, title: string) {
		this.#write(undefined, () => pages.renamePage(this.#doc, id, title));
	}

	movePage(id: PageId, parent: PageId | null, index: number): boolean {
		return this.#write(false, () => pages.movePage(this.#doc, id, parent, index));
	}

	shiftPage(id: PageId, delta: -1 | 1) {
		return this.#write(false, () => pages.shiftPage(this.#doc, id, delta));
	}

	indentPage(id: PageId) {
		return this.#write(false, () => pages.indentPage(this.#doc, id));
	}

	outdentPage(id: PageId) {
		return this.#write(false, () => pages.outdentPage(this.#doc, id));
	}

	trashPage(id: PageId) {
		this.#write(undefined, () => pages.trashPage(this.#doc, id));
	}

	restorePage(id: PageId) {
		this.#write(undefined, () => pages.restorePage(this.#doc, id));
	}

	deleteForever(id: PageId) {
		this.#write(undefined, () => pages.deletePage(this.#doc, id));
	}

	emptyTrash() {
		this.#write(undefined, () =>
			this.#doc.transact(() => {
				for (const page of this.trash) pages.deletePage(this.#doc, page.id);
			})
		);
	}

	isHidden(id: PageId): boolean {
		return pages.isHidden(this.#doc, id);
	}

	async mountEditor(
		element: HTMLElement,
		id: PageId,
		callbacks: { onState(state: EditorState): void; onLinkRequest(): void }
	): Promise<PageEditor | null> {
		const { createPageEditor } = await loadEditor();
		const fragment = pages.body(this.#doc, id);
		if (fragment === null) return null;
		return createPageEditor({
			element,
			fragment,
			editable: !this.readOnly,
			awareness: this.#sync?.presence.opened ?? null,
			...callbacks
		});
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
		this.#unrejected?.();
		this.#unrejected = null;
		globalThis.removeEventListener?.('pagehide', this.#onPageHide);
		globalThis.removeEventListener?.('storage', this.#onSettingsChanged);
		if (this.#keyringTimer !== null) {
			clearTimeout(this.#keyringTimer);
			this.#keyringTimer = null;
			await this.#touchKeyring();
		}
		this.#doc.off('update', this.#onUpdate);
		bodiesMap(this.#doc).unobserveDeep(this.#onBodyChange);
		await this.#sync?.destroy();
		this.#sync = null;
		await this.#core.destroy();
	}
}

// The open space's log doc (ciphertext) and opened presence on `window.commonplaceDebug`, for
// the curious and for tests: it gives nothing the page's console could not reach anyway, and
// whatever is done to it goes through the same checks as bytes from any peer.
function exposeForDebugging(core: Core, presence: unknown) {
	if (typeof window === 'undefined') return;
	(window as unknown as { commonplaceDebug: unknown }).commonplaceDebug = {
		topic: core.id,
		log: core.log,
		stats: core.bridge.stats,
		presence
	};
}

export { parsePageId, type PageId, type PageRecord } from '../doc/schema';
export type { TreeNode } from '../doc/tree';
export type { EditorCommand, EditorState, PageEditor } from '../editor/page-editor';
