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
