// The page editor as the lazy-loading tests need it (happy-dom): fresh modules each time, so
// nothing is loaded yet (tables, the slash menu) and Yjs is the editor's own; pages as Yjs
// fragments; an editor mounted on one; and changes made "by someone else" in a copy.
import type { Editor } from '@tiptap/core';
import { expect, vi } from 'vitest';
import type { EditorState } from '../../src/lib/editor/page-editor';

export type Fragment = import('yjs').XmlFragment;

/** Loads the editor afresh (after vi.resetModules) and gives its helpers, bound to that load. */
export async function freshEditor() {
	vi.resetModules();
	const Y = await import('yjs');
	const editorModule = await import('../../src/lib/editor/page-editor');
	const lazy = await import('../../src/lib/editor/lazy-tables');
	document.body.replaceChildren();

	function paragraph(text: string) {
		const p = new Y.XmlElement('paragraph');
		p.insert(0, [new Y.XmlText(text)]);
		return p;
	}

	/** A 1 × n table with a header row, as the editor writes one. */
	function table(...cells: string[]) {
		const row = new Y.XmlElement('tableRow');
		row.insert(
			0,
			cells.map((text) => {
				const cell = new Y.XmlElement('tableHeader');
				cell.setAttribute('colspan', 1 as unknown as string);
				cell.setAttribute('rowspan', 1 as unknown as string);
				cell.insert(0, [paragraph(text)]);
				return cell;
			})
		);
		const node = new Y.XmlElement('table');
		node.insert(0, [row]);
		return node;
	}

	function page(...content: Parameters<Fragment['insert']>[1]) {
		const doc = new Y.Doc();
		const fragment = doc.getXmlFragment('body');
		fragment.insert(0, content);
		return { doc, fragment };
	}

	async function mount(fragment: Fragment, editable = true) {
		const element = document.createElement('div');
		document.body.append(element);
		const states: EditorState[] = [];
		const errors: unknown[] = [];
		const handle = await editorModule.createPageEditor({
			element,
			fragment,
			editable,
			awareness: null,
			onState: (state) => states.push(state),
			onLinkRequest: () => {},
			onError: (error) => errors.push(error)
		});
		/** The Tiptap editor drawn now (Tiptap hangs it on its element). */
		const tiptap = () =>
			(element.querySelector('.ProseMirror') as (HTMLElement & { editor?: Editor }) | null)?.editor;
		return { element, handle, states, errors, tiptap };
	}

	/** Applies `change`, made in a copy of `doc`, to `doc` as an update from someone else. */
	function fromElsewhere(doc: import('yjs').Doc, change: (fragment: Fragment) => void) {
		const other = new Y.Doc();
		Y.applyUpdate(other, Y.encodeStateAsUpdate(doc));
		const before = Y.encodeStateVector(other);
		change(other.getXmlFragment('body'));
		Y.applyUpdate(doc, Y.encodeStateAsUpdate(other, before), 'peer');
	}

	return { Y, editorModule, lazy, paragraph, table, page, mount, fromElsewhere };
}

export type FreshEditor = Awaited<ReturnType<typeof freshEditor>>;

/** Waits (up to a second) for `condition`, then asserts it. */
export async function until(condition: () => boolean) {
	for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
	expect(condition()).toBe(true);
}
