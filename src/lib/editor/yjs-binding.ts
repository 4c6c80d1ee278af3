// Binds the editor to a page's Y.XmlFragment with y-prosemirror, and gives it Yjs-aware
// undo/redo that only ever undoes this user's own changes (remote edits are left alone).
//
// Remote carets come from strangers (anyone with a view link), so three guards stand between
// them and the document: a caret is drawn only if both its positions resolve inside this page
// now (checked here, in try/catch, before y-prosemirror sees it); drawing carets fails closed
// (no carets rather than an exception); and if any plugin still throws while a transaction is
// applied, the view is redrawn from the Yjs fragment before anything can be written back.
// Without the last one a view left behind by one failed remote change would, on the next
// keystroke, write its stale copy into Yjs and delete what others wrote.
import { Extension, type Editor } from '@tiptap/core';
import { Plugin, type EditorState, type Transaction } from '@tiptap/pm/state';
import { DecorationSet } from '@tiptap/pm/view';
import {
	defaultDeleteFilter,
	defaultProtectedNodes,
	redo,
	relativePositionToAbsolutePosition,
	undo,
	yCursorPlugin,
	ySyncPlugin,
	ySyncPluginKey,
	yUndoPlugin,
	type ProsemirrorBinding
} from 'y-prosemirror';
import type { Awareness } from 'y-protocols/awareness';
import * as Y from 'yjs';

export interface BindingOptions {
	fragment: Y.XmlFragment | null;
	/** The opened (plaintext, local) presence states; remote carets are drawn from these. */
	awareness: Awareness | null;
	/** The page's undo history (`pageUndoManager`); null: the editor makes its own. */
	undoManager: Y.UndoManager | null;
}

// A remote caret: a coloured bar with the person's name above it. Built with the DOM API so a
// name is only ever text, never markup.
function caret(user: { name: string; color: string }): HTMLElement {
	const bar = document.createElement('span');
	bar.className = 'remote-caret';
	bar.style.setProperty('--caret-color', user.color);
	const label = document.createElement('span');
	label.className = 'remote-caret-label';
	label.textContent = user.name;
	bar.append(label);
	return bar;
}

function selection(user: { name: string; color: string }) {
	return { class: 'remote-selection', style: `background-color: ${user.color}33` };
}

// y-prosemirror's undo dispatches its own transaction as the Yjs change lands, so it must run
// outside a Tiptap command (whose transaction would then be stale: "mismatched transaction").
export const undoEdit = (editor: Editor): boolean => undo(editor.state);
export const redoEdit = (editor: Editor): boolean => redo(editor.state);

type Mapping = ProsemirrorBinding['mapping'];

/**
 * A page's undo history, made as y-prosemirror makes its own (only this editor's changes, no
 * paragraph deleted by an undo), but kept by the page across editors: the editor is rebuilt
 * when table support arrives (page-editor.ts), and each editor's undo plugin destroys its
 * manager as it goes. Their `destroy` does nothing here; `release` is the real one.
 */
export function pageUndoManager(fragment: Y.XmlFragment): {
	manager: Y.UndoManager;
	release(): void;
} {
	const manager = new Y.UndoManager(fragment, {
		trackedOrigins: new Set([ySyncPluginKey]),
		deleteFilter: (item) => defaultDeleteFilter(item, defaultProtectedNodes),
		captureTransaction: (tr) => tr.meta.get('addToHistory') !== false
	});
	const release = manager.destroy.bind(manager);
	manager.destroy = () => {};
	return { manager, release };
}

export const bindingOf = (state: EditorState): ProsemirrorBinding | undefined =>
	(ySyncPluginKey.getState(state) as { binding?: ProsemirrorBinding } | undefined)?.binding;

/**
 * Where `json` (a relative position from a remote caret) lies in `fragment` as ProseMirror
 * shows it, or null if it does not lie in it. Never throws, never changes the document: Yjs
 * would create a root type for an unknown `tname`, so one is refused first.
 */
export function resolveCaretPosition(
	fragment: Y.XmlFragment,
	json: unknown,
	mapping: Mapping
): number | null {
	const doc = fragment.doc;
	if (doc === null || typeof json !== 'object' || json === null) return null;
	try {
		const position = Y.createRelativePositionFromJSON(json);
		if (position.tname !== null && !doc.share.has(position.tname)) return null;
		const absolute = Y.createAbsolutePositionFromRelativePosition(position, doc);
		if (absolute === null) return null;
		if (absolute.type !== fragment && !Y.isParentOf(fragment, absolute.type._item)) return null;
		return relativePositionToAbsolutePosition(doc, fragment, position, mapping);
	} catch (error) {
		console.warn('Ignored a caret that does not resolve in this page', error);
		return null;
	}
}

/** Whether a remote state's caret (if it has one) can be drawn in `fragment` now. */
function drawable(fragment: Y.XmlFragment, state: unknown, mapping: Mapping | undefined): boolean {
	const cursor = (state as { cursor?: unknown } | null)?.cursor;
	if (cursor == null) return true; // y-prosemirror draws nothing for it
	if (mapping === undefined || typeof cursor !== 'object') return false;
	const { anchor, head } = cursor as { anchor?: unknown; head?: unknown };
	return (
		resolveCaretPosition(fragment, anchor, mapping) !== null &&
		resolveCaretPosition(fragment, head, mapping) !== null
	);
}

/** The caret plugin, computing its decorations fail-closed: no carets rather than a throw. */
function failClosed(plugin: Plugin<DecorationSet>): Plugin<DecorationSet> {
	const field = plugin.spec.state;
	if (field === undefined) return plugin;
	const safely = (compute: () => DecorationSet): DecorationSet => {
		try {
			return compute();
		} catch (error) {
			console.warn('Remote carets could not be drawn', error);
			return DecorationSet.empty;
		}
	};
	return new Plugin<DecorationSet>({
		...plugin.spec,
		state: {
			init: (config, state) => safely(() => field.init(config, state)),
			apply: (tr, value, old, state) => safely(() => field.apply(tr, value, old, state))
		}
	});
}

/**
 * Keeps the view in step with the document when applying a transaction throws (in any plugin).
 * From the throw on, every transaction is dropped, so no stale view can be written into Yjs;
 * at the next microtask (the binding's lock may be held by the remote change that threw) the
 * view is redrawn from the Yjs fragment. If even that throws, the editor takes no input and
 * shows what it had (fail closed); it tries again, at most once a second, as changes come in,
 * so it recovers once whatever made the plugin throw is gone.
 */
export class ViewGuard {
	static readonly RETRY_MS = 1_000;
	readonly #editor: Editor;
	readonly #now: () => number;
	#broken = false;
	#rebuilding = false;
	#frozen = false;
	#lastAttempt = -Infinity;

	constructor(editor: Editor, now: () => number = Date.now) {
		this.#editor = editor;
		this.#now = now;
	}

	/** The page could not be redrawn: the editor shows what it had and takes no input. */
	get frozen(): boolean {
		return this.#frozen;
	}

	dispatch(transaction: Transaction, next: (transaction: Transaction) => void) {
		if (this.#frozen && !this.#rebuilding) {
			if (this.#now() - this.#lastAttempt >= ViewGuard.RETRY_MS) {
				this.#lastAttempt = this.#now();
				queueMicrotask(() => this.#rebuild());
			}
			return;
		}
		if (this.#broken && !this.#rebuilding) return;
		try {
			next(transaction);
		} catch (error) {
			if (this.#rebuilding) throw error;
			console.error('An editor plugin failed; the page is redrawn from the document', error);
			this.#broken = true;
			queueMicrotask(() => this.#rebuild());
		}
	}

	#rebuild() {
		const editor = this.#editor;
		if (editor.isDestroyed || this.#rebuilding) return;
		const binding = bindingOf(editor.state);
		this.#rebuilding = true;
		this.#lastAttempt = this.#now();
		try {
			if (binding === undefined) throw new Error('The page is not bound to a document');
			// reason: y-prosemirror's own way to redraw the view from the fragment; it is what
			// its sync plugin runs when a view is created. Used only here.
			binding._forceRerender();
			this.#broken = false;
			if (this.#frozen) {
				this.#frozen = false;
				// Set directly: setProps would update the view, and so write it into Yjs.
				editor.view.dom.setAttribute('contenteditable', String(editor.isEditable));
				console.warn('The page is redrawn and takes input again');
			}
		} catch (error) {
			if (!this.#frozen)
				console.error('The page could not be redrawn; it stops taking input', error);
			this.#frozen = true;
			editor.view.dom.setAttribute('contenteditable', 'false');
		} finally {
			this.#rebuilding = false;
		}
	}
}

const guards = new WeakMap<Editor, ViewGuard>();

/** The guard of an editor bound with YjsBinding (for tests and the curious). */
export const viewGuardOf = (editor: Editor): ViewGuard | undefined => guards.get(editor);

export const YjsBinding = Extension.create<BindingOptions>({
	name: 'yjsBinding',
	// Highest of all extensions: its dispatchTransaction wraps every other one.
	priority: 1000,
	addOptions() {
		return { fragment: null, awareness: null, undoManager: null };
	},
	dispatchTransaction({ transaction, next }) {
		// What comes from the document (the page opening, someone else's change, an undo) is
		// drawn as it is: autolinking is for what this person types, and a link added here to
		// someone else's "https://…" would be an edit nobody made, written back and sealed.
		if (
			(transaction.getMeta(ySyncPluginKey) as { isChangeOrigin?: boolean } | undefined)
				?.isChangeOrigin
		) {
			transaction.setMeta('preventAutolink', true);
		}
		let guard = guards.get(this.editor);
		if (guard === undefined) {
			guard = new ViewGuard(this.editor);
			guards.set(this.editor, guard);
		}
		guard.dispatch(transaction, next);
	},
	addKeyboardShortcuts() {
		// Handled even when there is nothing to undo, so the browser's own contenteditable
		// undo never runs behind ProseMirror's back.
		const run = (action: (editor: Editor) => boolean) => () => {
			action(this.editor);
			return true;
		};
		return {
			'Mod-z': run(undoEdit),
			'Mod-y': run(redoEdit),
			'Shift-Mod-z': run(redoEdit)
		};
	},
	addProseMirrorPlugins() {
		const fragment = this.options.fragment;
		if (fragment === null) throw new Error('YjsBinding needs a fragment');
		const undoManager = this.options.undoManager;
		const plugins = [ySyncPlugin(fragment), yUndoPlugin(undoManager ? { undoManager } : {})];
		const awareness = this.options.awareness;
		if (awareness !== null) {
			const editor = this.editor;
			plugins.push(
				failClosed(
					yCursorPlugin(awareness, {
						awarenessStateFilter: (localId: number, clientId: number, state: unknown) =>
							localId !== clientId && drawable(fragment, state, bindingOf(editor.state)?.mapping),
						cursorBuilder: caret,
						selectionBuilder: selection
					})
				)
			);
		}
		return plugins;
	}
});
