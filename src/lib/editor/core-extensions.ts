// The editor's schema without tables: which blocks and marks a page can hold. The live editor
// starts from these (tables.ts is added when a page needs it: lazy-tables.ts); extensions.ts
// adds tables for the exports, so a page exported without an editor open has exactly the same
// structure. Content comes from every editor of a space, so what a node or mark draws is
// decided by content-policy.ts, never copied from the document's attributes.
import { Mark, mergeAttributes, type AnyExtension } from '@tiptap/core';
import { Blockquote } from '@tiptap/extension-blockquote';
import { Bold } from '@tiptap/extension-bold';
import { Code } from '@tiptap/extension-code';
import { CodeBlock } from '@tiptap/extension-code-block';
import { Document } from '@tiptap/extension-document';
import { HardBreak } from '@tiptap/extension-hard-break';
import { Heading } from '@tiptap/extension-heading';
import { HorizontalRule } from '@tiptap/extension-horizontal-rule';
import { Italic } from '@tiptap/extension-italic';
import {
	BulletList,
	ListItem,
	ListKeymap,
	OrderedList,
	TaskItem,
	TaskList
} from '@tiptap/extension-list';
import { Paragraph } from '@tiptap/extension-paragraph';
import { Strike } from '@tiptap/extension-strike';
import { Text } from '@tiptap/extension-text';
import { Underline } from '@tiptap/extension-underline';
import { Dropcursor } from '@tiptap/extensions/drop-cursor';
import { Gapcursor } from '@tiptap/extensions/gap-cursor';
import { TrailingNode } from '@tiptap/extensions/trailing-node';
import { LINK_REL, LINK_TARGET, safeHref, safeLanguage } from './content-policy';

/** How links are typed and pasted (Tiptap's Link extension; see link-rules.ts). */
export const LINK_OPTIONS = {
	openOnClick: false,
	autolink: true,
	defaultProtocol: 'https',
	// Typing, pasting and autolinking accept what the exports and the drawing accept.
	isAllowedUri: (url: string) => safeHref(url) !== null
};

/**
 * The link mark: Tiptap's Link extension's mark (same name, priority, attributes and rules for
 * the schema, which tests/unit/editor-schema.test.ts holds) and its three commands, without its
 * typing and pasting rules, which need linkify (10 KB gzipped): link-rules.ts adds those to an
 * editor when it is first focused. A link holds an address and nothing else: `rel`, `target`,
 * `class` and `title` from content (or from pasted HTML) never enter the document, and older
 * documents' are ignored when drawn.
 */
export const SafeLink = Mark.create({
	name: 'link',
	priority: 1000,
	keepOnSplit: false,
	exitable: true,
	// As Tiptap's with autolink on: typing at a link's end extends it.
	inclusive: true,
	addAttributes() {
		return {
			href: { default: null, parseHTML: (element: HTMLElement) => element.getAttribute('href') }
		};
	},
	parseHTML() {
		return [
			{
				tag: 'a[href]',
				getAttrs: (dom: HTMLElement) => (safeHref(dom.getAttribute('href')) === null ? false : null)
			}
		];
	},
	renderHTML({ mark }) {
		const href = safeHref(mark.attrs.href);
		// No href at all rather than `href=""`, which would link to this very page.
		return ['a', { ...(href === null ? {} : { href }), rel: LINK_REL, target: LINK_TARGET }, 0];
	},
	addCommands() {
		return {
			setLink:
				(attributes) =>
				({ chain }) =>
					safeHref(attributes.href) !== null &&
					chain().setMark(this.name, attributes).setMeta('preventAutolink', true).run(),
			toggleLink:
				(attributes) =>
				({ chain }) =>
					!(attributes?.href && safeHref(attributes.href) === null) &&
					chain()
						.toggleMark(this.name, attributes, { extendEmptyMarkRange: true })
						.setMeta('preventAutolink', true)
						.run(),
			unsetLink:
				() =>
				({ chain }) =>
					chain()
						.unsetMark(this.name, { extendEmptyMarkRange: true })
						.setMeta('preventAutolink', true)
						.run()
		};
	}
});

/** A code block's language becomes one class, `language-<name>`, and only for a plain name. */
const SafeCodeBlock = CodeBlock.extend({
	renderHTML({ node, HTMLAttributes }) {
		const language = safeLanguage(node.attrs.language);
		return [
			'pre',
			mergeAttributes(this.options.HTMLAttributes, HTMLAttributes),
			['code', { class: language ? this.options.languageClassPrefix + language : null }, 0]
		];
	}
});

export function coreExtensions(): AnyExtension[] {
	return [
		// StarterKit's extensions, listed in its order (the schema's order, which
		// tests/unit/editor-schema.test.ts holds), without three: undo and redo (history is
		// Yjs's: y-prosemirror's undo manager undoes only this user's changes) and the link and
		// code block, replaced below by versions that draw only what content-policy.ts allows.
		// Not StarterKit itself: it imports all of them, prosemirror-history included.
		Bold,
		Blockquote,
		BulletList,
		Code,
		Document,
		Dropcursor,
		Gapcursor,
		HardBreak,
		Heading.configure({ levels: [1, 2, 3] }),
		HorizontalRule,
		Italic,
		ListItem,
		ListKeymap,
		OrderedList,
		Paragraph,
		Strike,
		Text,
		Underline,
		TrailingNode,
		SafeLink,
		SafeCodeBlock,
		TaskList,
		TaskItem.configure({ nested: true })
	];
}
