// Binds the editor to a page's Y.XmlFragment with y-prosemirror, and gives it Yjs-aware
// undo/redo that only ever undoes this user's own changes (remote edits are left alone).
import { Extension, type Editor } from '@tiptap/core';
import { redo, undo, ySyncPlugin, yUndoPlugin } from 'y-prosemirror';
import type * as Y from 'yjs';

export interface BindingOptions {
	fragment: Y.XmlFragment | null;
}

// y-prosemirror's undo dispatches its own transaction as the Yjs change lands, so it must run
// outside a Tiptap command (whose transaction would then be stale: "mismatched transaction").
export const undoEdit = (editor: Editor): boolean => undo(editor.state);
export const redoEdit = (editor: Editor): boolean => redo(editor.state);

export const YjsBinding = Extension.create<BindingOptions>({
	name: 'yjsBinding',
	priority: 1000,
	addOptions() {
		return { fragment: null };
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
		return [ySyncPlugin(fragment), yUndoPlugin()];
	}
});
