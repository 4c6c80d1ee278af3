// Page → Markdown (CommonMark plus GFM task lists, tables and strikethrough) with
// prosemirror-markdown, mapped onto the editor's node names. Content is written by every editor
// of a space, and many Markdown viewers pass raw HTML through, so text never becomes markup:
// `<` is escaped, links follow content-policy.ts, fences and info strings cannot be broken out of.
import type { Node as PMNode } from '@tiptap/pm/model';
import {
	defaultMarkdownSerializer,
	MarkdownSerializer,
	type MarkdownSerializerState
} from 'prosemirror-markdown';
import { yXmlFragmentToProseMirrorRootNode } from 'y-prosemirror';
import type * as Y from 'yjs';
import { safeHref, safeLanguage } from '../editor/content-policy';
import { contentSchema } from '../editor/extensions';

const base = defaultMarkdownSerializer.nodes;
const baseMarks = defaultMarkdownSerializer.marks;

type NodeWriter = (
	state: MarkdownSerializerState,
	node: PMNode,
	parent: PMNode,
	index: number
) => void;

const nodes: Record<string, NodeWriter> = {
	doc: (state, node) => state.renderContent(node),
	paragraph: base.paragraph as NodeWriter,
	text: base.text as NodeWriter,
	heading: base.heading as NodeWriter,
	blockquote: base.blockquote as NodeWriter,
	horizontalRule: base.horizontal_rule as NodeWriter,
	hardBreak: base.hard_break as NodeWriter,
	listItem: base.list_item as NodeWriter,
	taskItem: base.list_item as NodeWriter,
	codeBlock(state, node) {
		const code = node.textContent;
		// Longer than any run of backticks inside, so no line of the code can close it.
		const longest = (code.match(/`+/g) ?? []).reduce((n, run) => Math.max(n, run.length), 0);
		const fence = '`'.repeat(Math.max(3, longest + 1));
		state.write(fence + (safeLanguage(node.attrs.language) ?? '') + '\n');
		state.text(code, false);
		state.ensureNewLine();
		state.write(fence);
		state.closeBlock(node);
	},
	bulletList(state, node) {
		state.renderList(node, '  ', () => '- ');
	},
	orderedList(state, node) {
		const start = Number(node.attrs.start ?? 1);
		const width = String(start + node.childCount - 1).length;
		const space = ' '.repeat(width + 2);
		state.renderList(node, space, (i) => {
			const n = String(start + i);
			return ' '.repeat(width - n.length) + n + '. ';
		});
	},
	taskList(state, node) {
		state.renderList(node, '  ', (i) => (node.child(i).attrs.checked ? '- [x] ' : '- [ ] '));
	},
	table(state, node) {
		const rows: string[][] = [];
		node.forEach((row) => {
			const cells: string[] = [];
			row.forEach((cell) => cells.push(cellText(cell)));
			rows.push(cells);
		});
		const width = Math.max(1, ...rows.map((r) => r.length));
		const line = (cells: string[]) =>
			'| ' + Array.from({ length: width }, (_, i) => cells[i] ?? '').join(' | ') + ' |';
		const [head = [], ...body] = rows;
		state.write(line(head) + '\n');
		state.write('|' + ' --- |'.repeat(width) + '\n');
		for (const row of body) state.write(line(row) + '\n');
		state.closeBlock(node);
	},
	tableRow: () => undefined,
	tableCell: () => undefined,
	tableHeader: () => undefined
};

type MarkSpec = NonNullable<(typeof baseMarks)[string]>;
const baseMark = (name: string): MarkSpec => {
	const spec = baseMarks[name];
	if (!spec) throw new Error(`prosemirror-markdown has no "${name}" mark`);
	return spec;
};

const marks: Record<string, MarkSpec> = {
	bold: baseMark('strong'),
	italic: baseMark('em'),
	code: baseMark('code'),
	// An address content-policy.ts refuses is left out: the text stays, the link goes. Never the
	// `<url>` autolink form, whose text is written unescaped.
	link: {
		open: (_state, mark) => (safeHref(mark.attrs.href) === null ? '' : '['),
		close(_state, mark) {
			const href = safeHref(mark.attrs.href);
			return href === null ? '' : `](${destination(href)})`;
		},
		mixable: true
	},
	strike: { open: '~~', close: '~~', mixable: true, expelEnclosingWhitespace: true },
	underline: { open: '<u>', close: '</u>' }
};

export const serializer = new MarkdownSerializer(nodes, marks, {
	// Every `<` in text, so no tag, comment or autolink can start (also not one that a link left
	// out above would join up from two runs of text); `&` only where it would start a character
	// reference, so `&lt;` typed as text stays `&lt;`.
	escapeExtraCharacters: /<|&(?=#?[A-Za-z0-9]+;)/g
});

/** A link destination: nothing in it can end it early or be read as markup. */
function destination(href: string): string {
	return href
		.replace(/[\s<>]/g, (c) => encodeURIComponent(c))
		.replace(/[\\()]|&(?=#?[A-Za-z0-9]+;)/g, '\\$&');
}

/** A table cell's content as one Markdown line (GFM cells cannot hold blocks). */
function cellText(cell: PMNode): string {
	return serializer.serialize(cell).trim().replace(/\|/g, '\\|').replace(/\n+/g, '<br>');
}

export function docToMarkdown(doc: PMNode, title?: string): string {
	const body = serializer.serialize(doc, { tightLists: true }).replace(/^\n+/, '').trimEnd();
	const heading = title !== undefined ? titleHeading(title) : '';
	const text = [heading, body].filter((part) => part !== '').join('\n\n');
	return text === '' ? '' : `${text}\n`;
}

/** The page title as a level-1 heading, escaped like any other text. */
function titleHeading(title: string): string {
	const schema = contentSchema();
	const text = title.replace(/\s+/g, ' ').trim() || 'Untitled';
	const heading = schema.node('heading', { level: 1 }, schema.text(text));
	return serializer.serialize(schema.node('doc', null, heading)).trim();
}

export function fragmentToDoc(fragment: Y.XmlFragment): PMNode {
	return yXmlFragmentToProseMirrorRootNode(fragment, contentSchema());
}

export function pageToMarkdown(fragment: Y.XmlFragment, title: string): string {
	return docToMarkdown(fragmentToDoc(fragment), title);
}
