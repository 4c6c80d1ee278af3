// One page's live editor: Tiptap on ProseMirror, bound to the page body in the content doc.
// The UI gets a small handle (run a command, read what is active), never the editor itself.
import { Editor, Extension } from '@tiptap/core';
import { Placeholder } from '@tiptap/extension-placeholder';
import { yUndoPluginKey } from 'y-prosemirror';
import type { Awareness } from 'y-protocols/awareness';
import type * as Y from 'yjs';
import { blocks } from './blocks';
import { safeHref } from './content-policy';
import { contentExtensions } from './extensions';
import { SlashMenu } from './slash-menu';
import { redoEdit, undoEdit, YjsBinding } from './yjs-binding';
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
}

export function createPageEditor(options: PageEditorOptions): PageEditor {
	const editor = new Editor({
		element: options.element,
		editable: options.editable,
		// Its CSS comes from tiptap.css: the CSP refuses <style> elements.
		injectCSS: false,
		extensions: [
			...contentExtensions(),
			YjsBinding.configure({ fragment: options.fragment, awareness: options.awareness }),
			SlashMenu,
			Placeholder.configure({ placeholder: 'Write, or type / for blocks…' }),
			LinkShortcut(options.onLinkRequest)
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
	try {
		return wrap(editor, options);
	} catch (error) {
		editor.destroy();
		throw error;
	}
}

function wrap(editor: Editor, options: PageEditorOptions): PageEditor {
	const report = () => options.onState(readState(editor));
	editor.on('transaction', report);
	// Undo/redo stacks change after the Yjs transaction that the editor reports on, so listen
	// to the undo manager too, or the buttons would lag one step behind.
	const undoManager = undoManagerOf(editor);
	undoManager?.on('stack-item-added', report);
	undoManager?.on('stack-item-popped', report);
	undoManager?.on('stack-cleared', report);
	report();

	return {
		run(command) {
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
		},
		setLink(href) {
			const chain = editor.chain().focus().extendMarkRange('link');
			if (href === null || href.trim() === '') return chain.unsetLink().run();
			const safe = normaliseHref(href);
			return safe !== null && chain.setLink({ href: safe }).run();
		},
		currentLink: () => String(editor.getAttributes('link').href ?? ''),
		focus: () => editor.commands.focus(),
		destroy() {
			editor.off('transaction', report);
			undoManager?.off('stack-item-added', report);
			undoManager?.off('stack-item-popped', report);
			undoManager?.off('stack-cleared', report);
			editor.destroy();
		}
	};
}

function undoManagerOf(editor: Editor): Y.UndoManager | undefined {
	return yUndoPluginKey.getState(editor.state)?.undoManager as Y.UndoManager | undefined;
}

function readState(editor: Editor): EditorState {
	const undoManager = undoManagerOf(editor);
	const marks = Object.fromEntries(MARKS.map((m) => [m, editor.isActive(m)])) as Record<
		Mark,
		boolean
	>;
	return {
		marks,
		link: editor.isActive('link'),
		block: currentBlock(editor),
		inTable: editor.isActive('table'),
		canUndo: (undoManager?.undoStack.length ?? 0) > 0,
		canRedo: (undoManager?.redoStack.length ?? 0) > 0
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
