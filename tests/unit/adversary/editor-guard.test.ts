// The editor's guards against hostile carets, without a browser: where a caret may be drawn,
// and what the view does when a plugin throws while a transaction is applied (the e2e test
// tests/e2e/adversary-presence.spec.ts drives the same in Chromium).
import type { Editor } from '@tiptap/core';
import type { Transaction } from '@tiptap/pm/state';
import { describe, expect, it, vi } from 'vitest';
import { ySyncPluginKey } from 'y-prosemirror';
import * as Y from 'yjs';
import { resolveCaretPosition, ViewGuard } from '../../../src/lib/editor/yjs-binding';
import { POISON_CURSORS } from '../../adversary/presence';

function page() {
	const doc = new Y.Doc({ gc: false });
	const bodies = doc.getMap<Y.XmlFragment>('bodies');
	const body = bodies.set('page-one', new Y.XmlFragment());
	const other = bodies.set('page-two', new Y.XmlFragment());
	const text = new Y.XmlText('hello');
	const paragraph = new Y.XmlElement('paragraph');
	paragraph.insert(0, [text]);
	body.insert(0, [paragraph]);
	const elsewhere = new Y.XmlText('elsewhere');
	const p2 = new Y.XmlElement('paragraph');
	p2.insert(0, [elsewhere]);
	other.insert(0, [p2]);
	return { doc, body, text, elsewhere };
}

describe('resolveCaretPosition', () => {
	it('places a real caret, and refuses one in another page or at items nobody has', () => {
		const { doc, body, text, elsewhere } = page();
		const mapping = new Map();
		const at = (position: Y.RelativePosition) =>
			resolveCaretPosition(body, Y.relativePositionToJSON(position), mapping);
		expect(at(Y.createRelativePositionFromTypeIndex(text, 3))).toBe(4);
		expect(at(Y.createRelativePositionFromTypeIndex(elsewhere, 3))).toBeNull();
		expect(resolveCaretPosition(body, { item: { client: 99, clock: 5 } }, mapping)).toBeNull();
		expect(resolveCaretPosition(body, { type: { client: 99, clock: 5 } }, mapping)).toBeNull();
		expect(doc.share.size).toBe(1);
	});

	it('never throws on a poison position, and creates no root type for an unknown name', () => {
		const { doc, body } = page();
		const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
		for (const cursor of POISON_CURSORS) {
			for (const position of [
				(cursor as { anchor?: unknown })?.anchor,
				(cursor as { head?: unknown })?.head,
				cursor
			]) {
				expect(() => resolveCaretPosition(body, position, new Map())).not.toThrow();
				expect(resolveCaretPosition(body, position, new Map())).toBeNull();
			}
		}
		expect(resolveCaretPosition(body, { tname: 'made-up' }, new Map())).toBeNull();
		expect(resolveCaretPosition(body, { tname: 'bodies' }, new Map())).toBeNull();
		expect([...doc.share.keys()]).toEqual(['bodies']);
		warn.mockRestore();
	});
});

/** Just enough of a Tiptap editor for the guard: its state (with a binding) and its view. */
function fakeEditor(rerender: () => void) {
	const dom = { attributes: new Map<string, string>() };
	const editor = {
		isDestroyed: false,
		isEditable: true,
		state: {
			[(ySyncPluginKey as unknown as { key: string }).key]: {
				binding: { _forceRerender: rerender }
			}
		},
		view: {
			dom: { setAttribute: (name: string, value: string) => dom.attributes.set(name, value) }
		}
	};
	return { editor: editor as unknown as Editor, dom };
}

const tr = {} as Transaction;

describe('ViewGuard', () => {
	it('after a plugin throws, drops every transaction until the view is redrawn from Yjs', async () => {
		const error = vi.spyOn(console, 'error').mockImplementation(() => {});
		let rerenders = 0;
		let guard: ViewGuard | null = null;
		const applied: string[] = [];
		const { editor } = fakeEditor(() => {
			rerenders++;
			// The redraw itself is a transaction through the guard, and must pass.
			guard?.dispatch(tr, () => applied.push('redraw'));
		});
		guard = new ViewGuard(editor);
		guard.dispatch(tr, () => applied.push('first'));
		expect(() =>
			guard.dispatch(tr, () => {
				throw new Error('a caret plugin failed');
			})
		).not.toThrow();
		// A keystroke before the redraw would write a stale view into Yjs: it never reaches it.
		guard.dispatch(tr, () => applied.push('stale keystroke'));
		expect(rerenders).toBe(0);
		await Promise.resolve();
		expect(rerenders).toBe(1);
		guard.dispatch(tr, () => applied.push('after'));
		expect(applied).toEqual(['first', 'redraw', 'after']);
		expect(guard.frozen).toBe(false);
		error.mockRestore();
	});

	it('stops taking input if even the redraw fails, and recovers once it works again', async () => {
		const error = vi.spyOn(console, 'error').mockImplementation(() => {});
		const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
		let failing = true;
		const { editor, dom } = fakeEditor(() => {
			if (failing) throw new Error('cannot redraw');
		});
		let now = 0;
		const guard = new ViewGuard(editor, () => now);
		guard.dispatch(tr, () => {
			throw new Error('a plugin failed');
		});
		await Promise.resolve();
		expect(guard.frozen).toBe(true);
		expect(dom.attributes.get('contenteditable')).toBe('false');
		let reached = 0;
		guard.dispatch(tr, () => reached++);
		now += ViewGuard.RETRY_MS;
		guard.dispatch(tr, () => reached++);
		await Promise.resolve();
		expect(guard.frozen).toBe(true);
		expect(reached).toBe(0);
		// Whatever made the plugin throw is gone: the next change redraws the page.
		failing = false;
		guard.dispatch(tr, () => reached++);
		await Promise.resolve();
		expect(guard.frozen).toBe(true); // not a second after the last attempt yet
		now += ViewGuard.RETRY_MS;
		guard.dispatch(tr, () => reached++);
		await Promise.resolve();
		expect(guard.frozen).toBe(false);
		expect(dom.attributes.get('contenteditable')).toBe('true');
		guard.dispatch(tr, () => reached++);
		expect(reached).toBe(1);
		error.mockRestore();
		warn.mockRestore();
	});
});
