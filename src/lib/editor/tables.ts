// Tables: Tiptap's table extensions (and prosemirror-tables under them), drawn safely. Loaded
// by the live editor only when a page needs them (lazy-tables.ts), and always by the exports
// (extensions.ts).
import type { AnyExtension, Attribute } from '@tiptap/core';
import { Table, TableCell, TableHeader, TableRow } from '@tiptap/extension-table';
import { Fragment, type Node as PMNode } from '@tiptap/pm/model';
import { safeColwidth } from './content-policy';

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

/** The table nodes, in the order the schema has always listed them. */
export function tableExtensions(): AnyExtension[] {
	return [
		SafeTable.configure({ resizable: false }),
		TableRow,
		safeCell(TableHeader),
		safeCell(TableCell)
	];
}
