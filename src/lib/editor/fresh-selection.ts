// A key acts on the selection that is on screen. A caret or selection moved with the arrow
// keys, Home or End is moved by the browser first; ProseMirror reads it when the browser next
// says the selection changed, which can come after the next key when keys come fast: Ctrl+K
// (or Ctrl+B, or Enter) right after Shift+← then acted on the selection of one or two keys
// before ("si|te|" linked "te"). Before each key, ProseMirror is asked to read the selection
// on screen now, as it would when the browser tells it (not while an input method composes:
// that is the browser's to finish).
import { Extension } from '@tiptap/core';
import { Plugin } from '@tiptap/pm/state';
import type { EditorView } from '@tiptap/pm/view';

/**
 * ProseMirror's DOM observer reads pending changes, the selection among them, on `flush()`:
 * what it runs on a `selectionchange` event. Its own keydown handler flushes only when DOM
 * changes are pending, not for a selection alone.
 */
function readSelection(view: EditorView): void {
	// reason: `domObserver` is prosemirror-view's, left out of its typings; without it (another
	// version), nothing is read early and the key acts as ProseMirror alone would have it.
	const observer = (view as unknown as { domObserver?: { flush?: () => void } }).domObserver;
	if (typeof observer?.flush === 'function') observer.flush();
}

export const FreshSelection = Extension.create({
	name: 'freshSelection',
	// Before every other extension's keys.
	priority: 10_000,
	addProseMirrorPlugins() {
		return [
			new Plugin({
				props: {
					handleKeyDown(view, event) {
						if (!event.isComposing && event.keyCode !== 229) readSelection(view);
						return false;
					}
				}
			})
		];
	}
});
