// Table support (tables.ts: Tiptap's table extensions and prosemirror-tables, about 14 KB
// gzipped) is loaded by the live editor only when a page needs it: the page holds a table, one
// is inserted, or one arrives from someone else.
//
// y-prosemirror deletes from the Yjs document any element its schema cannot build (as an edit,
// so for everyone), so an editor without table support must never meet a table: a page that
// holds one waits for it before its editor is made (`holdsTable`), and an editor made without it
// watches its page (`watchForTables`) and is taken down before y-prosemirror hears of a table
// (page-editor.ts). Pure Yjs: no editor, no DOM.
import * as Y from 'yjs';

/** Every node the table extensions add to the schema. */
export const TABLE_NODES: ReadonlySet<string> = new Set([
	'table',
	'tableRow',
	'tableHeader',
	'tableCell'
]);

type Tables = typeof import('./tables');

let loading: Promise<Tables> | null = null;
let loaded: Tables | null = null;

/** Loads table support (once; a failed load is tried again on the next call). */
export function loadTables(): Promise<Tables> {
	loading ??= import('./tables').then(
		(module) => (loaded = module),
		(error: unknown) => {
			loading = null;
			throw error;
		}
	);
	return loading;
}

/** Table support if it is loaded, else null. */
export const loadedTables = (): Tables | null => loaded;

const isTableNode = (type: unknown): boolean =>
	type instanceof Y.XmlElement && TABLE_NODES.has(type.nodeName);

/** Whether `type` is, or holds at any depth, a table node. */
export function holdsTable(type: Y.XmlFragment): boolean {
	return isTableNode(type) || !type.createTreeWalker(isTableNode).next().done;
}

/**
 * Calls `onTable` when a table node is added anywhere in `fragment` (typed, pasted, undone or
 * received), from inside the Yjs observer. Observers of a type run in the order they were
 * registered: registered before an editor binds the page, this one runs before y-prosemirror's,
 * in the same transaction, so `onTable` can take the editor down before it draws (and deletes)
 * what it cannot build. Returns the unsubscribe.
 */
export function watchForTables(fragment: Y.XmlFragment, onTable: () => void): () => void {
	const observer = (events: Array<Y.YEvent<Y.AbstractType<unknown>>>) => {
		for (const event of events) {
			// Text changes (an XmlText target) add no element; elements and the page itself can.
			if (!(event.target instanceof Y.XmlFragment)) continue;
			for (const item of event.changes.added) {
				const added = item.content instanceof Y.ContentType ? item.content.type : null;
				if (added instanceof Y.XmlElement && holdsTable(added)) {
					onTable();
					return;
				}
			}
		}
	};
	fragment.observeDeep(observer);
	return () => fragment.unobserveDeep(observer);
}
