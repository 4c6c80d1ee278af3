// The editor's schema: which blocks and marks a page can hold. Shared by the live editor and by
// export, so a page exported without an editor open has exactly the same structure.
// Content comes from every editor of a space, so what a node or mark draws is decided by
// content-policy.ts, never copied from the document's attributes.
import { getSchema, mergeAttributes, type AnyExtension, type Attribute } from '@tiptap/core';
import { CodeBlock } from '@tiptap/extension-code-block';
import { Link } from '@tiptap/extension-link';
import { TaskItem, TaskList } from '@tiptap/extension-list';
import { Table, TableCell, TableHeader, TableRow } from '@tiptap/extension-table';
import { Fragment, type Node as PMNode, type Schema } from '@tiptap/pm/model';
import StarterKit from '@tiptap/starter-kit';
import { LINK_REL, LINK_TARGET, safeColwidth, safeHref, safeLanguage } from './content-policy';

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

const MAX_SPAN = 1_000;

/**
 * Tiptap writes a table's `style` (and its columns') from the first row's column widths and
 * spans, as text: a width of `"1px; position: fixed"` would be CSS from content. Drawn from a
 * copy whose widths are whole pixels. (The live editor draws tables with Tiptap's TableView,
 * which sets widths through the CSSOM and so ignores such values; exports and the clipboard
 * use this.)
 */
function withSafeWidths(table: PMNode): PMNode {
	const row = table.firstChild;
	if (row === null) return table;
	const cells: PMNode[] = [];
	row.forEach((cell) => {
		const span = Number(cell.attrs.colspan);
		cells.push(
			cell.type.create(
				{
					...cell.attrs,
					colspan: Number.isInteger(span) && span >= 1 ? Math.min(span, MAX_SPAN) : 1,
					colwidth: safeColwidth(cell.attrs.colwidth)
				},
				cell.content,
				cell.marks
			)
		);
	});
	return table.copy(table.content.replaceChild(0, row.copy(Fragment.from(cells))));
}

const SafeTable = Table.extend({
	renderHTML(props) {
		const spec = this.parent?.({ ...props, node: withSafeWidths(props.node) });
		if (spec === undefined) throw new Error('Table has no renderHTML to extend');
		return spec;
	}
});

/** A cell writes its column widths as an attribute too (kept for pasting back): numbers only. */
const safeCell = <T extends typeof TableCell | typeof TableHeader>(cell: T) =>
	cell.extend({
		addAttributes() {
			const inherited: Record<string, Attribute> = this.parent?.() ?? {};
			return {
				...inherited,
				colwidth: {
					...inherited.colwidth,
					renderHTML: (attributes: Record<string, unknown>) => {
						const widths = safeColwidth(attributes.colwidth);
						return widths === null ? {} : { colwidth: widths.map((w) => w ?? 0).join(',') };
					}
				}
			};
		}
	});

export function contentExtensions(): AnyExtension[] {
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
		TaskItem.configure({ nested: true }),
		SafeTable.configure({ resizable: false }),
		TableRow,
		safeCell(TableHeader),
		safeCell(TableCell)
	];
}

let cached: Schema | null = null;

export function contentSchema(): Schema {
	cached ??= getSchema(contentExtensions());
	return cached;
}
