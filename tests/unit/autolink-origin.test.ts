// @vitest-environment happy-dom
// Autolinking is for what this person types. Text that arrives (a page opening, a collaborator's
// change) is drawn as it is: turning someone else's "https://…" into a link would be an edit
// nobody made, written back into the space (and sealed) just by opening a page.
import { describe, expect, it } from 'vitest';
import type { XmlElement, XmlText } from 'yjs';
import type { Editor } from '@tiptap/core';
import { freshEditor, until } from '../support/lazy-editor';

/** Whether the link rules (autolink, pasted addresses: editor/link-rules.ts) are in. */
const hasLinkRules = (editor: Editor) =>
	editor.state.plugins.some((plugin) =>
		(plugin as unknown as { key: string }).key.startsWith('autolink')
	);

describe('autolink and text that arrives', () => {
	it('opening a page whose text ends in an address writes nothing and adds no link', async () => {
		const { page, paragraph, mount } = await freshEditor();
		const { doc, fragment } = page(paragraph('see https://example.com '), paragraph('and more'));
		const writes: Uint8Array[] = [];
		doc.on('update', (update: Uint8Array) => writes.push(update));
		const { element, handle } = await mount(fragment);
		await until(() => element.textContent?.includes('example.com') === true);
		await new Promise((resolve) => setTimeout(resolve, 50));
		expect(element.querySelector('a')).toBeNull();
		expect(writes).toHaveLength(0);
		expect(fragment.toString()).not.toContain('link');
		handle.destroy();
	});

	it('a collaborator’s address is not linked here; one typed here is', async () => {
		const { page, paragraph, mount, fromElsewhere } = await freshEditor();
		const { doc, fragment } = page(paragraph('start'));
		const { element, handle, tiptap } = await mount(fragment);
		await until(() => element.textContent === 'start');
		fromElsewhere(doc, (body) => {
			const text = (body.get(0) as XmlElement).get(0) as XmlText;
			text.insert(5, ' https://peer.example ');
		});
		await until(() => element.textContent?.includes('peer.example') === true);
		await new Promise((resolve) => setTimeout(resolve, 50));
		expect(element.querySelector('a')).toBeNull();
		expect(fragment.toString()).not.toContain('link');

		const editor = tiptap();
		if (!editor) throw new Error('no editor');
		editor.commands.focus('end');
		await until(() => hasLinkRules(editor));
		editor.commands.insertContent('https://mine.example ');
		await until(() => element.querySelector('a') !== null);
		expect(element.querySelector('a')?.getAttribute('href')).toBe('https://mine.example');
		handle.destroy();
	});

	it('link rules load when an editor is first focused, never for a viewer; an address pasted on a selection links it', async () => {
		const { page, paragraph, mount } = await freshEditor();
		const reader = await mount(page(paragraph('read')).fragment, false);
		const readOnly = reader.tiptap();
		if (!readOnly) throw new Error('no editor');
		readOnly.commands.focus();
		await new Promise((resolve) => setTimeout(resolve, 100));
		expect(hasLinkRules(readOnly)).toBe(false);

		const { element, handle, tiptap } = await mount(page(paragraph('write')).fragment);
		const editor = tiptap();
		if (!editor) throw new Error('no editor');
		expect(hasLinkRules(editor)).toBe(false);
		editor.commands.focus('end');
		await until(() => hasLinkRules(editor));
		// An address pasted over selected text makes that text a link to it.
		editor.commands.selectAll();
		editor.view.pasteText('https://pasted.example');
		await until(() => element.querySelector('a') !== null);
		expect(element.querySelector('a')?.textContent).toBe('write');
		expect(element.querySelector('a')?.getAttribute('href')).toBe('https://pasted.example');
		handle.destroy();
		reader.handle.destroy();
	});
});
