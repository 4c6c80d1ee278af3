// Binds the editor to a page's Y.XmlFragment with y-prosemirror, and gives it Yjs-aware
// undo/redo that only ever undoes this user's own changes (remote edits are left alone).
import { Extension, type Editor } from '@tiptap/core';
import { redo, undo, yCursorPlugin, ySyncPlugin, yUndoPlugin } from 'y-prosemirror';
import type { Awareness } from 'y-protocols/awareness';
import type * as Y from 'yjs';

export interface BindingOptions {
	fragment: Y.XmlFragment | null;
	/** The opened (plaintext, local) presence states; remote carets are drawn from these. */
	awareness: Awareness | null;
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

export const YjsBinding = Extension.create<BindingOptions>({
	name: 'yjsBinding',
	priority: 1000,
	addOptions() {
		return { fragment: null, awareness: null };
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
		const plugins = [ySyncPlugin(fragment), yUndoPlugin()];
		const awareness = this.options.awareness;
		if (awareness !== null) {
			plugins.push(yCursorPlugin(awareness, { cursorBuilder: caret, selectionBuilder: selection }));
		}
		return plugins;
	}
});
