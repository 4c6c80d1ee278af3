// The editor's schema without tables: which blocks and marks a page can hold. The live editor
// starts from these (tables.ts is added when a page needs it: lazy-tables.ts); extensions.ts
// adds tables for the exports, so a page exported without an editor open has exactly the same
// structure. Content comes from every editor of a space, so what a node or mark draws is
// decided by content-policy.ts, never copied from the document's attributes.
import { mergeAttributes, type AnyExtension } from '@tiptap/core';
import { CodeBlock } from '@tiptap/extension-code-block';
import { Link } from '@tiptap/extension-link';
import { TaskItem, TaskList } from '@tiptap/extension-list';
import StarterKit from '@tiptap/starter-kit';
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
		StarterKit.configure({
			heading: { levels: [1, 2, 3] },
			// History is Yjs's: y-prosemirror's undo manager undoes only this user's changes.
			undoRedo: false,
			// Replaced below by versions that draw only what content-policy.ts allows.
			link: false,
			codeBlock: false
		}),
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
