// One open space: opens it through the composition root (open-space.ts) and its network
// (space-network.ts), and exposes what the UI shows as runes. Every change the UI makes goes
// through a method here; nothing above sees Yjs.
import type * as Y from 'yjs';
import { toRelay, toView } from '../crypto/capability';
import { createSigner } from '../crypto/signing';
import * as links from '../crypto/links';
import * as pages from '../doc/pages';
import { PageActivity } from '../doc/activity';
import { parsePageId, relaysMap, type PageId, type PageRecord } from '../doc/schema';
import * as space from '../doc/space';
import { addSpaceRelays, MAX_SPACE_RELAYS, removeSpaceRelays, spaceRelays } from '../doc/space';
import type { TreeNode } from '../doc/tree';
import { TreeView } from './tree-view.svelte';
import type { PageEditor, PageEditorOptions } from '../editor/page-editor';
import { logArray } from '../log/log-doc';
import * as keyring from '../storage/keyring';
import { readAhead } from '../storage/read-ahead';
import { journalOf, logStore, type SaveState } from '../storage/space-store';
import { checkSignalingUrl } from '../sync/network-config';
import type { Peer } from '../sync/presence';
import { ensureMigrated } from './migrate';
import { openableCap, openSpace, type OpenedSpace } from './open-space';
import type { AppServices } from './context';
import type { Profile } from './device-settings.svelte';
import { INITIAL_STATUS, SpaceNetwork, type SyncStatus } from './space-network';

// The editor is the biggest part of the app's code. It is fetched and compiled while the space
// opens (IndexedDB, decryption), instead of before: the two overlap.
let editorModule: Promise<typeof import('../editor/page-editor')> | null = null;
const loadEditor = () => (editorModule ??= import('../editor/page-editor'));

const TOUCH_KEYRING_MS = 1_000;

export type { Download } from '../export/download';
import type { Download } from '../export/download';

export class SpaceSession {
	readonly id: string;
	readonly readOnly: boolean;
	/** The name, page tree and trash, laid out when pages change (not per keystroke). */
	readonly view: TreeView;
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
	/** Kept on the configured relays from this device (the default; the person may turn it off). */
	keepOnRelays = $state(true);
	/** Nothing of this space has arrived yet (it was just joined by a link). */
	empty = $state(false);
	/** The page this person last moved to the trash, offered back for a moment (space-view). */
	justTrashed = $state<{ id: PageId; title: string } | null>(null);

	readonly #core: OpenedSpace;
	readonly #doc: Y.Doc;
	#activity: PageActivity | null = null;
	#closing: Promise<void> | null = null;
	#keyringTimer: ReturnType<typeof setTimeout> | null = null;
	#unsubscribe: (() => void) | null = null;
	#sync: SpaceNetwork | null = null;
	#unrejected: (() => void) | null = null;

	readonly #app: AppServices;
	/** Relays the links to this space named (kept, sealed, in the keyring). */
	readonly #hinted: string[];
	/** Relays known for this space, checked: this device's, the links', the space's own list. */
	#known = $state.raw<string[]>([]);
	/** The relay addresses last handed to the network, to notice a change. */
	#relaysNow = '';

	private constructor(core: OpenedSpace, app: AppServices, hinted: string[]) {
		this.#core = core;
		this.#app = app;
		this.#doc = core.content;
		this.#hinted = hinted;
		this.id = core.id;
		this.readOnly = core.cap.kind !== 'edit';
		this.view = new TreeView(core.content);
	}

	get name(): string {
		return this.view.name;
	}

	get tree(): TreeNode[] {
		return this.view.tree;
	}

	get trash(): PageRecord[] {
		return this.view.trash;
	}

	get visible(): ReadonlyMap<PageId, PageRecord> {
		return this.view.visible;
	}

	/** Opens a space held on this device; throws an Error with a message for people. */
	static async open(id: string, app: AppServices): Promise<SpaceSession> {
		void loadEditor().catch((error: unknown) => console.warn('The editor could not load', error));
		let entry = await keyring.find(id);
		if (entry === null) {
			throw new Error(
				'This space is not on this device. It may have been deleted, or the link is incomplete.'
			);
		}
		entry = await ensureMigrated(entry);
		const holder: { session?: SpaceSession } = {};
		const store = logStore();
		// The log is read while the keys are derived (a big space's read is no longer waited
		// for after them); the room is the entry's id (ensureMigrated made sure of that).
		const reading = readAhead(store, entry.id);
		let cap: Awaited<ReturnType<typeof openableCap>>;
		try {
			cap = await openableCap(entry.cap);
		} catch (error) {
			reading.cancel();
			throw error;
		}
		const core = await openSpace(cap, {
			store: reading,
			journal: journalOf(store, cap.room),
			onSaveState: (state, detail) => {
				if (!holder.session) return;
				holder.session.saveState = state;
				holder.session.saveDetail = detail;
			}
		});
		const session = new SpaceSession(core, app, entry.relays ?? []);
		holder.session = session;
		session.#start();
		return session;
	}

	#start() {
		this.damaged = this.#core.stored.damaged;
		this.#doc.on('update', this.#onUpdate);
		this.#activity = new PageActivity(this.#doc, {
			isOwnEdit: (tx) => tx.local && tx.origin !== this.#core.bridge && !this.readOnly
		});
		this.#unrejected = this.#core.bridge.onRejected(() => {
			this.rejected = this.#countRejected();
		});
		this.#unsubscribe = this.#app.events.subscribe((event) => {
			if (event.type === 'deleted' && event.id === this.id) {
				this.deleted = true;
				void this.destroy();
			}
		});
		globalThis.addEventListener?.('pagehide', this.#onPageHide);
		this.#app.device.on('network', this.#onNetwork);
		this.#app.device.on('profile', this.#onProfile);
		this.#app.device.on('relays', this.#onRelays);
		this.keepOnRelays = !this.#app.device.relaysOff.has(this.id);
		this.empty = this.#logIsEmpty();
		this.rejected = this.#countRejected();
		this.#shareRelays();
		relaysMap(this.#doc).observe(this.#onSpaceRelays);
		this.#known = this.#knownRelays();
		this.#relaysNow = this.relays.join(' ');
		this.#sync = new SpaceNetwork(this.#core, this.#app.device, {
			relays: () => this.relays,
			onStatus: (status) => {
				this.sync = status;
				this.empty = this.#logIsEmpty();
			},
			// Your own other tabs are not "people here" (the sync panel counts them as tabs).
			onPeers: (peers) => (this.peers = peers.filter((peer) => !peer.self))
		});
		exposeForDebugging(this.#core, this.#sync);
	}

	/** How this person appears to others (the device's profile). */
	get profile(): Profile {
		return this.#app.device.profile;
	}

	// Settings saved here or in another tab apply at once: servers reconnect, the name changes.
	#onNetwork = () => {
		this.#known = this.#knownRelays();
		this.#relaysNow = this.relays.join(' ');
		this.#sync?.reconnect();
	};
	#onProfile = (profile: Profile) => this.#sync?.setProfile(profile);
	#onRelays = () => {
		this.keepOnRelays = !this.#app.device.relaysOff.has(this.id);
		this.#shareRelays();
		this.#relaysChanged();
	};

	#onSpaceRelays = () => this.#relaysChanged();

	/** The set of relays may have changed: only the relays reconnect, and only if it did. */
	#relaysChanged() {
		this.#known = this.#knownRelays();
		const now = this.relays.join(' ');
		if (now === this.#relaysNow) return;
		this.#relaysNow = now;
		void this.#sync?.restartRelays();
	}

	/** Editors list this device's relays in the space, so every member learns them. */
	#shareRelays() {
		if (this.readOnly || !this.keepOnRelays) return;
		addSpaceRelays(this.#doc, this.#app.device.relays);
	}

	/** Works out #known (on a change, not per status report: the network asks often). */
	#knownRelays(): string[] {
		const listed = spaceRelays(this.#doc).filter((url) => checkSignalingUrl(url).ok);
		const all = [...this.#app.device.relays, ...this.#hinted, ...listed];
		return all.filter((url, i) => all.indexOf(url) === i).slice(0, MAX_SPACE_RELAYS);
	}

	/** The tab is going away: seal waiting changes now, synchronously. */
	#onPageHide = () => this.#core.bridge.flushNow();

	// This tab's own edits, and what arrives through the log, both count as an edit.
	#onUpdate = () => {
		this.#scheduleKeyringTouch();
		if (this.empty) this.empty = this.#logIsEmpty();
	};

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
			.then(() => this.#app.events.publish({ type: 'changed', id: this.id }))
			.catch((error: unknown) => console.warn('Could not update the space list', error));
	}

	/**
	 * The edit link (editors only), the view link, and the relay link (for a relay's operator:
	 * it keeps the space and reads nothing), as fragments without '#'.
	 */
	shareLinks(): { edit: string | null; view: string; relay: string } {
		const cap = this.#core.cap;
		// The relays it is kept on travel with the link: a newcomer finds it with nobody online.
		const hints = this.relays.slice(0, links.MAX_HINTS);
		return {
			edit: cap.kind === 'edit' ? links.format(cap, hints) : null,
			view: links.format(toView(cap), hints),
			relay: links.format(toRelay(cap))
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
	setProfile(name: string, color: string): boolean {
		return this.#app.device.setProfile(name, color);
	}

	/** The relays this space is kept on from this device, by address (none when turned off). */
	get relays(): string[] {
		return this.keepOnRelays ? this.#known : [];
	}

	/** Relays known for this space, whether or not this device keeps it on them. */
	get relaysConfigured(): number {
		return this.#known.length;
	}

	/** Keeps this space on the relays (or stops) from this device; false if it could not be saved. */
	setKeepOnRelays(keep: boolean): boolean {
		return this.#app.device.setKeepOnRelays(this.id, keep);
	}

	/**
	 * Editors: asks the relays to delete their copy of this space (signed), and stops keeping it
	 * on relays from this device. Others who keep it on relays send it again when they connect.
	 */
	async removeFromRelays(): Promise<{ forgotten: number; asked: number }> {
		const cap = this.#core.cap;
		if (cap.kind !== 'edit' || this.#sync === null) return { forgotten: 0, asked: 0 };
		const asked = this.relays;
		const result = await this.#sync.forgetOnRelays(await createSigner(cap.signSeed));
		// Off the space's own list too, so other members do not send it there again.
		if (result.forgotten > 0) removeSpaceRelays(this.#doc, asked);
		this.setKeepOnRelays(false);
		return result;
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

	/**
	 * Whether a page's view, as it opens, should put the cursor in its title so that typing names
	 * it: for a page with no title and nothing written yet (one this person just made, a new
	 * space's first page). Never for someone who can only read.
	 */
	wantsTitle(id: PageId): boolean {
		if (this.readOnly) return false;
		return pages.isBlank(this.#doc, id) && (this.page(id)?.title.trim() ?? '') === '';
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
		const title = this.page(id)?.title.trim() || 'Untitled';
		this.#write(undefined, () => pages.trashPage(this.#doc, id));
		this.justTrashed = { id, title };
	}

	restorePage(id: PageId) {
		this.#write(undefined, () => pages.restorePage(this.#doc, id));
		if (this.justTrashed?.id === id) this.justTrashed = null;
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
		callbacks: Pick<PageEditorOptions, 'onState' | 'onLinkRequest' | 'onError'>
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
		const { pageDownload } = await import('../export/download');
		return pageDownload(this.#doc, id, format, document);
	}

	async exportSpace(onProgress: (done: number, total: number) => void): Promise<Download> {
		const { spaceDownload } = await import('../export/download');
		return spaceDownload(this.#doc, onProgress);
	}

	/** Closes the space (seals what is waiting, stores it, disconnects). Safe to call twice. */
	destroy(): Promise<void> {
		this.#closing ??= this.#close();
		return this.#closing;
	}

	async #close() {
		this.#unsubscribe?.();
		this.#unsubscribe = null;
		this.#unrejected?.();
		this.#unrejected = null;
		globalThis.removeEventListener?.('pagehide', this.#onPageHide);
		this.#app.device.off('network', this.#onNetwork);
		this.#app.device.off('profile', this.#onProfile);
		this.#app.device.off('relays', this.#onRelays);
		relaysMap(this.#doc).unobserve(this.#onSpaceRelays);
		if (this.#keyringTimer !== null) {
			clearTimeout(this.#keyringTimer);
			this.#keyringTimer = null;
			await this.#touchKeyring();
		}
		this.#doc.off('update', this.#onUpdate);
		this.view.destroy();
		this.#activity?.destroy();
		await this.#sync?.destroy();
		this.#sync = null;
		await this.#core.destroy();
	}
}

// The open space's log doc (ciphertext) and opened presence on `window.commonplaceDebug`, for
// the curious and for tests: it gives nothing the page's console could not reach anyway, and
// whatever is done to it goes through the same checks as bytes from any peer.
function exposeForDebugging(core: OpenedSpace, network: SpaceNetwork) {
	if (typeof window === 'undefined') return;
	(window as unknown as { commonplaceDebug: unknown }).commonplaceDebug = {
		room: core.id,
		log: core.log,
		stats: core.bridge.stats,
		guard: core.bridge.guard.stats,
		presence: network.presence.opened,
		/** Bytes taken in from peers and relays so far, by transport. */
		received: () =>
			Object.fromEntries(
				network.transports.map((t) => [
					t.kind,
					'bytesReceived' in t && typeof t.bytesReceived === 'number' ? t.bytesReceived : 0
				])
			)
	};
}

export { oneLine, parsePageId, type PageId, type PageRecord } from '../doc/schema';
export type { TreeNode } from '../doc/tree';
export type { EditorCommand, EditorState, PageEditor } from '../editor/page-editor';
