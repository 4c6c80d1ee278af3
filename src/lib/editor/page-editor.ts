// One page's live editor: Tiptap on ProseMirror, bound to the page body in the content doc.
// The UI gets a small handle (run a command, read what is active), never the editor itself.
// Table support is loaded only when the page needs it (lazy-tables.ts): an editor made without
// it is rebuilt with it when a table is inserted or arrives, keeping the page's undo history,
// the selection and the focus; the handle stays the same.
import { Editor, Extension } from '@tiptap/core';
import { Placeholder } from '@tiptap/extensions/placeholder';
import { Plugin, TextSelection } from '@tiptap/pm/state';
import {
	absolutePositionToRelativePosition,
	relativePositionToAbsolutePosition,
	type ProsemirrorBinding
} from 'y-prosemirror';
import type { Awareness } from 'y-protocols/awareness';
import type * as Y from 'yjs';
import { blocks } from './blocks';
import { safeHref } from './content-policy';
import { coreExtensions } from './core-extensions';
import { holdsTable, loadedTables, loadTables, watchForTables } from './lazy-tables';
import { FreshSelection } from './fresh-selection';
import { LinkOpener } from './link-open';
import { SlashMenu } from './slash-trigger';
import { bindingOf, pageUndoManager, redoEdit, undoEdit, YjsBinding } from './yjs-binding';
import './tiptap.css';

export const MARKS = ['bold', 'italic', 'strike', 'code'] as const;
export type Mark = (typeof MARKS)[number];
export type TableCommand =
	'addRowAfter' | 'addColumnAfter' | 'deleteRow' | 'deleteColumn' | 'deleteTable';
export type EditorCommand = Mark | 'undo' | 'redo' | TableCommand | `block:${string}`;

export interface EditorState {
	marks: Record<Mark, boolean>;
	link: boolean;
	/** The id of the block type at the cursor (see blocks.ts). */
	block: string;
	inTable: boolean;
	canUndo: boolean;
	canRedo: boolean;
}

export interface PageEditor {
	run(command: EditorCommand): void;
	/**
	 * Sets (or with null, removes) the link on the selection. False when the address is refused
	 * (content-policy.ts), and nothing changed.
	 */
	setLink(href: string | null): boolean;
	currentLink(): string;
	focus(): void;
	destroy(): void;
}

export interface PageEditorOptions {
	element: HTMLElement;
	fragment: Y.XmlFragment;
	editable: boolean;
	/** Opened presence states for remote carets (null: draw none). */
	awareness: Awareness | null;
	onState(state: EditorState): void;
	/** Mod-K: the UI asks for a URL. */
	onLinkRequest(): void;
	/** Table support could not be loaded for a table that arrived: the page is not shown. */
	onError?(error: unknown): void;
}

/** Makes the editor; a page that holds a table gets table support first. */
export async function createPageEditor(options: PageEditorOptions): Promise<PageEditor> {
	while (loadedTables() === null && holdsTable(options.fragment)) await loadTables();
	return new LivePageEditor(options);
}

interface RelativeSelection {
	anchor: Y.RelativePosition;
	head: Y.RelativePosition;
}

const TABLE_COMMANDS: ReadonlySet<EditorCommand> = new Set<TableCommand>([
	'addRowAfter',
	'addColumnAfter',
	'deleteRow',
	'deleteColumn',
	'deleteTable'
]);

const hasTables = (editor: Editor): boolean => editor.schema.nodes.table !== undefined;

class LivePageEditor implements PageEditor {
	readonly #options: PageEditorOptions;
	readonly #history: ReturnType<typeof pageUndoManager>;
	#editor: Editor | null = null;
	#unwatch: (() => void) | null = null;
	/** The binding of the editor before this one (its undo entries keep their selections). */
	#binding: ProsemirrorBinding | null = null;
	#upgrade: Promise<Editor | null> | null = null;
	/** Where the selection was, and whether the editor had focus, when it was taken down. */
	#resume: { selection: RelativeSelection | null; focus: boolean } | null = null;
	/** While the editor is rebuilt: a still copy of what it showed (and the focus, if it had it). */
	#still: HTMLElement | null = null;
	#destroyed = false;

	constructor(options: PageEditorOptions) {
		this.#options = options;
		this.#history = pageUndoManager(options.fragment);
		// Undo/redo stacks change after the Yjs transaction that the editor reports on, so listen
		// to the undo manager too, or the buttons would lag one step behind.
		this.#history.manager.on('stack-item-added', this.#report);
		this.#history.manager.on('stack-item-popped', this.#report);
		this.#history.manager.on('stack-cleared', this.#report);
		try {
			this.#build();
		} catch (error) {
			this.destroy();
			throw error;
		}
	}

	#report = () => {
		if (this.#editor) this.#options.onState(readState(this.#editor, this.#history.manager));
	};

	/** Makes the editor, with table support if it is loaded; else watches for a table first. */
	#build() {
		this.#removeStill();
		const options = this.#options;
		const tables = loadedTables();
		if (tables === null) this.#unwatch ??= watchForTables(options.fragment, this.#tableArrived);
		else {
			this.#unwatch?.();
			this.#unwatch = null;
		}
		const editor = new Editor({
			element: options.element,
			editable: options.editable,
			// Its CSS comes from tiptap.css: the CSP refuses <style> elements.
			injectCSS: false,
			extensions: [
				...coreExtensions(),
				...(tables?.tableExtensions() ?? []),
				YjsBinding.configure({
					fragment: options.fragment,
					awareness: options.awareness,
					undoManager: this.#history.manager
				}),
				SlashMenu.configure({ onBlock: (id) => this.run(`block:${id}`) }),
				Placeholder.configure({ placeholder: 'Write, or type / for blocks…' }),
				LinkShortcut(options.onLinkRequest),
				LinkOpener,
				FreshSelection,
				...(tables === null ? [TablesFromClipboard(this.#pasteTable)] : [])
			],
			editorProps: {
				attributes: {
					class: 'prose',
					role: 'textbox',
					'aria-multiline': 'true',
					'aria-label': 'Page content'
				}
			}
		});
		this.#editor = editor;
		if (options.editable) withLinkRules(editor);
		editor.on('transaction', this.#report);
		this.#carryHistory(bindingOf(editor.state) ?? null);
		const resume = this.#resume;
		this.#resume = null;
		if (resume?.selection) restoreSelection(editor, resume.selection);
		if (resume?.focus) editor.commands.focus();
		this.#report();
	}

	/**
	 * y-prosemirror files the selection to restore with each undo entry under the binding that
	 * made it; the new editor's binding gets the same, so undoing an older change puts the
	 * cursor back where it was, as before the rebuild.
	 */
	#carryHistory(binding: ProsemirrorBinding | null) {
		const previous = this.#binding;
		this.#binding = binding;
		if (previous === null || binding === null) return;
		const { undoStack, redoStack } = this.#history.manager;
		for (const item of [...undoStack, ...redoStack]) {
			if (item.meta.has(previous) && !item.meta.has(binding))
				item.meta.set(binding, item.meta.get(previous));
		}
	}

	/** Takes the editor down, remembering where the person was. */
	#takeDown(selection: RelativeSelection | null) {
		const editor = this.#editor;
		if (editor === null) return;
		const focus = editor.view.hasFocus();
		this.#resume = { selection, focus };
		// Until the editor is back (table support may be a network fetch away), the page stays
		// on screen as it was, not editable, and keeps the focus; gone when the editor is.
		const still = this.#destroyed ? null : (editor.view.dom.cloneNode(true) as HTMLElement);
		this.#editor = null;
		editor.off('transaction', this.#report);
		editor.destroy();
		if (still !== null) {
			still.contentEditable = 'false';
			still.tabIndex = -1;
			still.setAttribute('aria-busy', 'true');
			still.classList.remove('ProseMirror-focused');
			this.#options.element.append(still);
			this.#still = still;
			if (focus) still.focus({ preventScroll: true });
		}
	}

	#removeStill() {
		this.#still?.remove();
		this.#still = null;
	}

	/**
	 * A table was added to the page and this editor cannot build it. Called inside the Yjs
	 * observer, before y-prosemirror's: the editor goes now, so y-prosemirror never sees the
	 * table (it would delete it), and comes back with table support.
	 */
	#tableArrived = () => {
		const editor = this.#editor;
		if (editor === null) {
			// Down because table support failed to load: another table tries again.
			if (this.#upgrade === null && !this.#destroyed) void this.#withTables();
			return;
		}
		// The selection as it was before this change (y-prosemirror keeps it for the change).
		const binding = bindingOf(editor.state);
		this.#takeDown(binding?.beforeTransactionSelection ?? relativeSelection(editor));
		void this.#withTables();
	};

	/**
	 * Pasted or dropped HTML holding a table: pasted once the editor has table support, where
	 * it was pasted or dropped (whatever is selected by then).
	 */
	#pasteTable = (html: string, at: { anchor: number; head: number } | null) => {
		const editor = this.#editor;
		const binding = editor ? bindingOf(editor.state) : undefined;
		const relative = (position: number) =>
			absolutePositionToRelativePosition(position, binding!.type, binding!.mapping);
		const place =
			at === null || binding === undefined
				? null
				: { anchor: relative(at.anchor), head: relative(at.head) };
		void this.#withTables().then((rebuilt) => {
			if (rebuilt === null) return;
			if (place !== null) restoreSelection(rebuilt, place);
			rebuilt.view.pasteHTML(html);
		});
	};

	/** The editor rebuilt with table support (loaded first); null if it could not be. */
	#withTables(): Promise<Editor | null> {
		this.#upgrade ??= loadTables().then(
			() => {
				if (this.#destroyed) return null;
				if (this.#editor && hasTables(this.#editor)) return this.#editor;
				if (this.#editor) this.#takeDown(relativeSelection(this.#editor));
				this.#build();
				return this.#editor;
			},
			(error: unknown) => {
				this.#upgrade = null;
				if (this.#editor === null) this.#removeStill();
				if (this.#editor === null && !this.#destroyed) this.#options.onError?.(error);
				else console.error('Table support could not be loaded', error);
				return null;
			}
		);
		return this.#upgrade;
	}

	run(command: EditorCommand) {
		const editor = this.#editor;
		if (editor === null) return;
		if (command === 'block:table' && !hasTables(editor)) {
			void this.#withTables().then((rebuilt) => {
				if (rebuilt) blocks.find((b) => b.id === 'table')?.run(rebuilt);
			});
			return;
		}
		if (TABLE_COMMANDS.has(command) && !hasTables(editor)) return;
		const chain = editor.chain().focus();
		if (command.startsWith('block:')) {
			blocks.find((b) => `block:${b.id}` === command)?.run(editor);
		} else if (command === 'undo') undoEdit(editor);
		else if (command === 'redo') redoEdit(editor);
		else if (command === 'bold') chain.toggleBold().run();
		else if (command === 'italic') chain.toggleItalic().run();
		else if (command === 'strike') chain.toggleStrike().run();
		else if (command === 'code') chain.toggleCode().run();
		else if (command === 'addRowAfter') chain.addRowAfter().run();
		else if (command === 'addColumnAfter') chain.addColumnAfter().run();
		else if (command === 'deleteRow') chain.deleteRow().run();
		else if (command === 'deleteColumn') chain.deleteColumn().run();
		else if (command === 'deleteTable') chain.deleteTable().run();
	}

	setLink(href: string | null): boolean {
		const editor = this.#editor;
		if (editor === null) return true;
		const chain = editor.chain().focus().extendMarkRange('link');
		if (href === null || href.trim() === '') return chain.unsetLink().run();
		const safe = normaliseHref(href);
		return safe !== null && chain.setLink({ href: safe }).run();
	}

	currentLink(): string {
		return String(this.#editor?.getAttributes('link').href ?? '');
	}

	focus() {
		this.#editor?.commands.focus();
	}

	destroy() {
		this.#destroyed = true;
		this.#unwatch?.();
		this.#unwatch = null;
		this.#takeDown(null);
		this.#removeStill();
		this.#history.release();
	}
}

function relativeSelection(editor: Editor): RelativeSelection | null {
	const binding = bindingOf(editor.state);
	if (binding === undefined) return null;
	const { anchor, head } = editor.state.selection;
	return {
		anchor: absolutePositionToRelativePosition(anchor, binding.type, binding.mapping),
		head: absolutePositionToRelativePosition(head, binding.type, binding.mapping)
	};
}

function restoreSelection(editor: Editor, selection: RelativeSelection) {
	const binding = bindingOf(editor.state);
	if (binding === undefined) return;
	const at = (position: Y.RelativePosition) =>
		relativePositionToAbsolutePosition(binding.doc, binding.type, position, binding.mapping);
	const anchor = at(selection.anchor);
	const head = at(selection.head);
	if (anchor === null || head === null) return;
	const { doc } = editor.state;
	const clamp = (position: number) => Math.max(0, Math.min(position, doc.content.size));
	const restored = TextSelection.between(doc.resolve(clamp(anchor)), doc.resolve(clamp(head)));
	editor.view.dispatch(editor.state.tr.setSelection(restored));
}

function readState(editor: Editor, undoManager: Y.UndoManager): EditorState {
	const marks = Object.fromEntries(MARKS.map((m) => [m, editor.isActive(m)])) as Record<
		Mark,
		boolean
	>;
	return {
		marks,
		link: editor.isActive('link'),
		block: currentBlock(editor),
		inTable: hasTables(editor) && editor.isActive('table'),
		canUndo: undoManager.undoStack.length > 0,
		canRedo: undoManager.redoStack.length > 0
	};
}

function currentBlock(editor: Editor): string {
	for (const level of [1, 2, 3])
		if (editor.isActive('heading', { level })) return `heading${level}`;
	for (const id of ['taskList', 'bulletList', 'orderedList', 'blockquote', 'codeBlock'])
		if (editor.isActive(id)) return id;
	return 'paragraph';
}

/**
 * What the link dialog's text becomes: https:// added to a bare domain, then the one allow-list
 * of content-policy.ts; null when it is refused (a script or data URL, another scheme).
 */
export function normaliseHref(href: string): string | null {
	const trimmed = href.trim();
	const bare = !/^[a-z][a-z0-9+.-]*:/i.test(trimmed) && !/^[/#?.]/.test(trimmed);
	return safeHref(bare ? `https://${trimmed}` : trimmed);
}

const HOLDS_TABLE = /<t(?:able|r|d|h)[\s>/]/i;

/**
 * Without table support, a table pasted or dropped from elsewhere would be read as paragraphs.
 * Such a paste or drop is taken here instead, and made again once tables are loaded.
 */
function TablesFromClipboard(
	onTable: (html: string, at: { anchor: number; head: number } | null) => void
) {
	return Extension.create({
		name: 'tablesFromClipboard',
		addProseMirrorPlugins() {
			return [
				new Plugin({
					props: {
						handlePaste(view, event) {
							const html = event.clipboardData?.getData('text/html') ?? '';
							if (!HOLDS_TABLE.test(html)) return false;
							// Pasted as plain text anyway (in a code block, or Shift pasting): no
							// table to keep, so ProseMirror pastes it now, as it would with tables.
							if (view.state.selection.$from.parent.type.spec.code) return false;
							// reason: ProseMirror keeps "Shift is down" for paste in its internal
							// input state; no public API says a paste is a plain-text paste.
							if ((view as unknown as { input?: { shiftKey?: boolean } }).input?.shiftKey) {
								return false;
							}
							const { anchor, head } = view.state.selection;
							onTable(html, { anchor, head });
							return true;
						},
						handleDrop(view, event, _slice, moved) {
							const html = moved ? '' : (event.dataTransfer?.getData('text/html') ?? '');
							if (!HOLDS_TABLE.test(html)) return false;
							const at = view.posAtCoords({ left: event.clientX, top: event.clientY });
							onTable(html, at === null ? null : { anchor: at.pos, head: at.pos });
							return true;
						}
					}
				})
			];
		}
	});
}

let linkRulesModule: Promise<typeof import('./link-rules')> | null = null;

/**
 * Adds the link rules (autolink, pasted addresses: link-rules.ts) to an editor that takes
 * input: at once when they are loaded, else once it is first focused (before anything can be
 * typed or pasted into it). A viewer's editor never loads them.
 */
function withLinkRules(editor: Editor) {
	const add = () => {
		linkRulesModule ??= import('./link-rules');
		linkRulesModule.then(
			({ linkRules }) => {
				if (editor.isDestroyed) return;
				for (const plugin of linkRules(editor)) editor.registerPlugin(plugin);
			},
			(error: unknown) => {
				// Offline before it was cached: links still come from the dialog; try again later.
				linkRulesModule = null;
				console.warn('Autolinking could not be loaded', error);
			}
		);
	};
	if (linkRulesModule !== null || editor.isFocused) add();
	else editor.once('focus', add);
}

function LinkShortcut(onRequest: () => void) {
	return Extension.create({
		name: 'linkShortcut',
		addKeyboardShortcuts() {
			return {
				'Mod-k': () => {
					onRequest();
					return true;
				}
			};
		}
	});
}
