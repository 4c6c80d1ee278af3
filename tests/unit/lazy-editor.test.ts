// @vitest-environment happy-dom
// What the editor loads on first use (lazy-tables.ts, slash-trigger.ts) against what must not
// change: a table is never lost, whether the page held one, one is inserted, or one arrives
// from someone else while the editor has no table support; the undo history and the selection
// survive the rebuild; keys pressed while the slash menu loads reach it. Each test loads the
// editor afresh (nothing loaded yet), with its own Yjs.
import type { Editor } from '@tiptap/core';
import { Slice } from '@tiptap/pm/model';
import { beforeEach, describe, expect, it } from 'vitest';
import { freshEditor, until, type FreshEditor } from '../support/lazy-editor';

let { Y, lazy, paragraph, table, page, mount, fromElsewhere } = {} as FreshEditor;

beforeEach(async () => {
	({ Y, lazy, paragraph, table, page, mount, fromElsewhere } = await freshEditor());
});

describe('tables, loaded on first use', () => {
	it('are watched for by every node name they add to the schema', async () => {
		const { getSchema } = await import('@tiptap/core');
		const { coreExtensions } = await import('../../src/lib/editor/core-extensions');
		const { contentSchema } = await import('../../src/lib/editor/extensions');
		const core = Object.keys(getSchema(coreExtensions()).nodes);
		const added = Object.keys(contentSchema().nodes).filter((name) => !core.includes(name));
		expect(new Set(added)).toEqual(lazy.TABLE_NODES);
	});

	it('are not loaded for a page without one', async () => {
		const { fragment } = page(paragraph('plain'));
		const { element, handle } = await mount(fragment);
		expect(lazy.loadedTables()).toBeNull();
		expect(element.textContent).toContain('plain');
		handle.destroy();
	});

	it('are loaded before the editor for a page that holds one, nested or not', async () => {
		const quote = new Y.XmlElement('blockquote');
		quote.insert(0, [table('a', 'b')]);
		const { fragment } = page(paragraph('before'), quote);
		expect(lazy.holdsTable(fragment)).toBe(true);
		const { element, handle } = await mount(fragment);
		expect(lazy.loadedTables()).not.toBeNull();
		expect(element.querySelectorAll('th')).toHaveLength(2);
		expect(lazy.holdsTable(fragment)).toBe(true);
		handle.destroy();
	});

	it('a table that arrives while the editor has no table support is kept, then drawn', async () => {
		const { doc, fragment } = page(paragraph('typed here'));
		const { element, handle, tiptap } = await mount(fragment);
		expect(lazy.loadedTables()).toBeNull();
		fromElsewhere(doc, (body) => body.insert(1, [table('from', 'a peer')]));
		// Without the watcher, y-prosemirror would have deleted it here, in this transaction.
		expect(lazy.holdsTable(fragment)).toBe(true);
		await until(() => element.querySelectorAll('th').length === 2);
		expect(lazy.holdsTable(fragment)).toBe(true);
		expect(element.textContent).toContain('typed here');
		// The rebuilt editor is bound: an edit reaches the document.
		tiptap()?.commands.insertContentAt(1, 'still ');
		expect(fragment.toString()).toContain('still typed here');
		handle.destroy();
	});

	it('a table arriving deep inside the page is caught too', async () => {
		const { doc, fragment } = page(paragraph('one'));
		const { element, handle } = await mount(fragment);
		fromElsewhere(doc, (body) => {
			const quote = new Y.XmlElement('blockquote');
			quote.insert(0, [table('deep', 'down')]);
			body.insert(1, [quote]);
		});
		expect(lazy.holdsTable(fragment)).toBe(true);
		await until(() => element.querySelectorAll('th').length === 2);
		handle.destroy();
	});

	it('a view-only editor keeps an arriving table as well', async () => {
		const { doc, fragment } = page(paragraph('read me'));
		const { element, handle } = await mount(fragment, false);
		fromElsewhere(doc, (body) => body.insert(0, [table('x', 'y')]));
		expect(lazy.holdsTable(fragment)).toBe(true);
		await until(() => element.querySelectorAll('th').length === 2);
		handle.destroy();
	});

	it('inserting one rebuilds the editor; the undo history from before still undoes', async () => {
		const { fragment } = page(paragraph(''));
		const { element, handle, states, tiptap } = await mount(fragment);
		tiptap()?.chain().focus().insertContent('hello').run();
		expect(fragment.toString()).toContain('hello');
		// Past the undo manager's capture window, so the table is an undo step of its own.
		await new Promise((r) => setTimeout(r, 600));
		handle.run('block:table');
		await until(() => element.querySelectorAll('table').length === 1);
		expect(element.querySelectorAll('th')).toHaveLength(3);
		expect(states.at(-1)?.canUndo).toBe(true);
		handle.run('undo');
		expect(lazy.holdsTable(fragment)).toBe(false);
		expect(fragment.toString()).toContain('hello');
		handle.run('undo');
		expect(fragment.toString()).not.toContain('hello');
		expect(states.at(-1)?.canUndo).toBe(false);
		handle.run('redo');
		expect(fragment.toString()).toContain('hello');
		handle.destroy();
	});

	it('the table commands work once loaded, and do nothing before', async () => {
		const { fragment } = page(paragraph('x'));
		const { element, handle, states } = await mount(fragment);
		handle.run('addRowAfter');
		expect(states.at(-1)?.inTable).toBe(false);
		handle.run('block:table');
		await until(() => element.querySelectorAll('tr').length === 3);
		expect(states.at(-1)?.inTable).toBe(true);
		handle.run('addRowAfter');
		expect(element.querySelectorAll('tr')).toHaveLength(4);
		handle.run('deleteTable');
		expect(element.querySelectorAll('table')).toHaveLength(0);
		handle.destroy();
	});

	it('a table pasted from elsewhere is pasted as a table, once table support is in', async () => {
		const { fragment } = page(paragraph('above'));
		const { element, handle, tiptap } = await mount(fragment);
		const editor = tiptap() as Editor;
		editor.commands.focus('end');
		const html =
			'<table><tr><th>Name</th><th>Age</th></tr><tr><td>Ada</td><td>36</td></tr></table>';
		const event = {
			clipboardData: { getData: (type: string) => (type === 'text/html' ? html : '') }
		};
		const taken = editor.view.someProp('handlePaste', (paste) =>
			paste(editor.view, event as unknown as ClipboardEvent, Slice.empty)
		);
		expect(taken).toBe(true);
		await until(() => element.querySelectorAll('td').length === 2);
		expect(element.querySelectorAll('th')).toHaveLength(2);
		expect(element.textContent).toContain('above');
		expect(lazy.holdsTable(fragment)).toBe(true);
		handle.destroy();
	});

	it('an editor destroyed while table support loads stays destroyed', async () => {
		const { doc, fragment } = page(paragraph('gone'));
		const { element, handle } = await mount(fragment);
		fromElsewhere(doc, (body) => body.insert(0, [table('p', 'q')]));
		handle.destroy();
		await lazy.loadTables();
		await new Promise((r) => setTimeout(r, 10));
		expect(element.querySelector('.ProseMirror')).toBeNull();
		expect(lazy.holdsTable(fragment)).toBe(true);
	});
});

describe('the slash menu, loaded on first use', () => {
	const keydown = (editor: Editor, key: string) =>
		editor.view.someProp('handleKeyDown', (handle) =>
			handle(editor.view, new KeyboardEvent('keydown', { key }))
		);

	it('opens on "/" at the start of a word', async () => {
		const { fragment } = page(paragraph(''));
		const { handle, tiptap } = await mount(fragment);
		tiptap()?.chain().focus().insertContent('see /hea').run();
		await until(() => document.querySelector('[role="listbox"]') !== null);
		const options = [...document.querySelectorAll('[role="option"]')].map((o) => o.textContent);
		expect(options).toEqual([
			expect.stringContaining('Heading 1'),
			expect.stringContaining('Heading 2'),
			expect.stringContaining('Heading 3')
		]);
		handle.destroy();
	});

	it('keys pressed while it loads reach it: arrow down, Enter picks the second heading', async () => {
		const { fragment } = page(paragraph(''));
		const { element, handle, tiptap } = await mount(fragment);
		const editor = tiptap() as Editor;
		editor.chain().focus().insertContent('/hea').run();
		expect(keydown(editor, 'ArrowDown')).toBe(true);
		expect(keydown(editor, 'Enter')).toBe(true);
		await until(() => element.querySelector('h2') !== null);
		expect(element.textContent).not.toContain('/hea');
		expect(fragment.toString()).toMatch(/^<heading level="2"><\/heading>/);
		expect(document.querySelector('[role="listbox"]')).toBeNull();
		handle.destroy();
	});

	it('keys are not held where no menu can open', async () => {
		const { fragment } = page(paragraph(''));
		const { handle, tiptap } = await mount(fragment);
		const editor = tiptap() as Editor;
		editor.chain().focus().insertContent('a/b').run();
		expect(keydown(editor, 'Enter')).toBe(true); // the paragraph splits, as always
		expect(fragment.toString()).toContain('<paragraph>a/b</paragraph><paragraph></paragraph>');
		handle.destroy();
	});
});
