// The page tree as a flat list of rows (what is visible given collapsed pages), which keeps
// keyboard navigation and drag-and-drop simple: each row knows its parent and siblings.
import type { PageId, TreeNode } from '$lib/session/space-session.svelte';

export interface Row {
	node: TreeNode;
	parent: PageId | null;
	siblings: PageId[];
	position: number;
}

export function visibleRows(tree: TreeNode[], collapsed: ReadonlySet<PageId>): Row[] {
	const rows: Row[] = [];
	const walk = (nodes: TreeNode[], parent: PageId | null) => {
		const siblings = nodes.map((n) => n.page.id);
		nodes.forEach((node, position) => {
			rows.push({ node, parent, siblings, position });
			if (node.children.length > 0 && !collapsed.has(node.page.id))
				walk(node.children, node.page.id);
		});
	};
	walk(tree, null);
	return rows;
}

export type DropZone = 'before' | 'inside' | 'after';

/** Where a dragged page lands when dropped on `target` in `zone`: a parent and an index. */
export function dropTarget(
	dragged: PageId,
	target: Row,
	zone: DropZone
): { parent: PageId | null; index: number } | null {
	if (target.node.page.id === dragged) return null;
	if (zone === 'inside') return { parent: target.node.page.id, index: target.node.children.length };
	const others = target.siblings.filter((id) => id !== dragged);
	const at = others.indexOf(target.node.page.id);
	return { parent: target.parent, index: zone === 'before' ? at : at + 1 };
}

export function zoneAt(event: DragEvent, element: HTMLElement): DropZone {
	const rect = element.getBoundingClientRect();
	const y = (event.clientY - rect.top) / rect.height;
	return y < 0.28 ? 'before' : y > 0.72 ? 'after' : 'inside';
}

/** What a key pressed on a row of the tree does (the tree's key map, WAI-ARIA tree pattern). */
export type TreeKeyAction =
	| { do: 'move'; how: 'up' | 'down' | 'indent' | 'outdent' }
	| { do: 'focus'; id: PageId | null }
	| { do: 'expand' | 'collapse' }
	| { do: 'open' | 'rename' | 'trash' | 'menu' };

export interface KeyPress {
	key: string;
	altKey?: boolean;
	shiftKey?: boolean;
}

/**
 * The action for `press` on the row at `index` of `rows` (as visibleRows gives them), or null
 * for a key the tree leaves alone. Alt+Shift+arrows move the page; arrows, Home and End move
 * the focus; Right opens a closed branch or enters an open one, Left closes an open branch or
 * goes to the parent; Enter and Space open the page, F2 renames, Delete trashes, the context
 * menu key or Shift+F10 shows the row's menu.
 */
export function treeKeyAction(
	press: KeyPress,
	rows: readonly Row[],
	index: number,
	collapsed: ReadonlySet<PageId>
): TreeKeyAction | null {
	const row = rows[index];
	if (row === undefined) return null;
	const id = row.node.page.id;
	const hasChildren = row.node.children.length > 0;
	const { key } = press;
	if (press.altKey && press.shiftKey) {
		const how = (
			{ ArrowUp: 'up', ArrowDown: 'down', ArrowRight: 'indent', ArrowLeft: 'outdent' } as const
		)[key as 'ArrowUp' | 'ArrowDown' | 'ArrowRight' | 'ArrowLeft'];
		if (how !== undefined) return { do: 'move', how };
	}
	switch (key) {
		case 'ArrowDown':
			return { do: 'focus', id: rows[index + 1]?.node.page.id ?? null };
		case 'ArrowUp':
			return { do: 'focus', id: rows[index - 1]?.node.page.id ?? null };
		case 'Home':
			return { do: 'focus', id: rows[0]?.node.page.id ?? null };
		case 'End':
			return { do: 'focus', id: rows.at(-1)?.node.page.id ?? null };
		case 'ArrowRight':
			if (!hasChildren) return null;
			return collapsed.has(id)
				? { do: 'expand' }
				: { do: 'focus', id: row.node.children[0]?.page.id ?? null };
		case 'ArrowLeft':
			return hasChildren && !collapsed.has(id)
				? { do: 'collapse' }
				: { do: 'focus', id: row.parent };
		case 'Enter':
		case ' ':
			return { do: 'open' };
		case 'F2':
			return { do: 'rename' };
		case 'Delete':
			return { do: 'trash' };
		case 'ContextMenu':
			return { do: 'menu' };
		case 'F10':
			return press.shiftKey ? { do: 'menu' } : null;
		default:
			return null;
	}
}
