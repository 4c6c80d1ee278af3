// The editor's schema without tables: which blocks and marks a page can hold. The live editor
// starts from these (tables.ts is added when a page needs it: lazy-tables.ts); extensions.ts
// adds tables for the exports, so a page exported without an editor open has exactly the same
// structure. Content comes from every editor of a space, so what a node or mark draws is
// decided by content-policy.ts, never copied from the document's attributes.
import { mergeAttributes, type AnyExtension } from '@tiptap/core';
import { Blockquote } from '@tiptap/extension-blockquote';
import { Bold } from '@tiptap/extension-bold';
import { Code } from '@tiptap/extension-code';
import { CodeBlock } from '@tiptap/extension-code-block';
import { Document } from '@tiptap/extension-document';
import { HardBreak } from '@tiptap/extension-hard-break';
import { Heading } from '@tiptap/extension-heading';
import { HorizontalRule } from '@tiptap/extension-horizontal-rule';
import { Italic } from '@tiptap/extension-italic';
import { Link } from '@tiptap/extension-link';
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

/**
 * A link holds an address and nothing else: `rel`, `target`, `class` and `title` from content
 * (or from pasted HTML) never enter the document, and older documents' are ignored when drawn.
 */
const SafeLink = Link.extend({
	addAttributes() {
		return {
			href: { default: null, parseHTML: (element: HTMLElement) => element.getAttribute('href') }
		};
	},
	renderHTML({ mark }) {
		const href = safeHref(mark.attrs.href);
		// No href at all rather than Tiptap's `href=""`, which would link to this very page.
		return ['a', { ...(href === null ? {} : { href }), rel: LINK_REL, target: LINK_TARGET }, 0];
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
		SafeLink.configure({
			openOnClick: false,
			autolink: true,
			defaultProtocol: 'https',
			// Typing, pasting and autolinking accept what the exports and the drawing accept.
			isAllowedUri: (url) => safeHref(url) !== null
		}),
		SafeCodeBlock,
		TaskList,
		TaskItem.configure({ nested: true })
	];
}
