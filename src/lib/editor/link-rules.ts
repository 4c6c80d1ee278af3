// How links are typed and pasted, added to an editor when it is first focused: autolinking an
// address as it is typed, a pasted address made a link (or laid on the selected text), found
// with linkify (10 KB gzipped, which opening a page to read it does not need). These are the
// rules of Tiptap's Link extension itself, with the options of core-extensions.ts, made for the
// editor's own link mark (SafeLink there) the way Tiptap makes an extension's plugins.
import { getExtensionField, pasteRulesPlugin, type Editor, type PasteRule } from '@tiptap/core';
import { Link } from '@tiptap/extension-link';
import type { Plugin } from '@tiptap/pm/state';
import { LINK_OPTIONS } from './core-extensions';

/** The link rules' plugins for `editor`, whose schema has the link mark. */
export function linkRules(editor: Editor): Plugin[] {
	const link = Link.configure(LINK_OPTIONS);
	const context = {
		name: link.name,
		options: link.options,
		storage: {},
		editor,
		type: editor.schema.marks.link
	};
	const pasteRules = getExtensionField<(() => PasteRule[]) | undefined>(
		link,
		'addPasteRules',
		context
	);
	const plugins = getExtensionField<(() => Plugin[]) | undefined>(
		link,
		'addProseMirrorPlugins',
		context
	);
	return [...pasteRulesPlugin({ editor, rules: pasteRules?.() ?? [] }), ...(plugins?.() ?? [])];
}
