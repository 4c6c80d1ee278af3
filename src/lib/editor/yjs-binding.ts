// Binds the editor to a page's Y.XmlFragment with y-prosemirror, and gives it Yjs-aware
// undo/redo that only ever undoes this user's own changes (remote edits are left alone).
import { Extension } from '@tiptap/core';
import { redo, undo, ySyncPlugin, yUndoPlugin } from 'y-prosemirror';
import type * as Y from 'yjs';

export interface BindingOptions {
	fragment: Y.XmlFragment | null;
}

export const YjsBinding = Extension.create<BindingOptions>({
	name: 'yjsBinding',
	priority: 1000,
	addOptions() {
		return { fragment: null };
	},
	addCommands() {
		return {
			undo:
				() =>
				({ state }) =>
					undo(state),
			redo:
				() =>
				({ state }) =>
					redo(state)
		};
	},
	addKeyboardShortcuts() {
		return {
			'Mod-z': () => this.editor.commands.undo(),
			'Mod-y': () => this.editor.commands.redo(),
			'Shift-Mod-z': () => this.editor.commands.redo()
		};
	},
	addProseMirrorPlugins() {
		const fragment = this.options.fragment;
		if (fragment === null) throw new Error('YjsBinding needs a fragment');
		return [ySyncPlugin(fragment), yUndoPlugin()];
	}
});

declare module '@tiptap/core' {
	interface Commands<ReturnType> {
		yjsBinding: {
			undo: () => ReturnType;
			redo: () => ReturnType;
		};
	}
}
