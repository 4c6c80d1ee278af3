// The page tree's key map (components/tree-rows.ts): what each key does on a row, given which
// branches are closed. The component only carries the actions out.
import { describe, expect, it } from 'vitest';
import { treeKeyAction, visibleRows, type Row } from '../../src/lib/components/tree-rows';
import type { PageId } from '../../src/lib/doc/schema';
import type { TreeNode } from '../../src/lib/doc/tree';

/** A tree from a nested outline: [id, children]. */
type Outline = Array<[string, Outline?]>;
function tree(outline: Outline, depth = 0): TreeNode[] {
	return outline.map(([id, children]) => ({
		page: { id } as TreeNode['page'],
		depth,
		children: tree(children ?? [], depth + 1)
	}));
}

// a
//   a1
//   a2
//     a2x
// b
const TREE = tree([['a', [['a1'], ['a2', [['a2x']]]]], ['b']]);

function setup(closed: string[] = []) {
	const collapsed = new Set(closed as PageId[]);
	const rows = visibleRows(TREE, collapsed);
	const at = (id: string) => rows.findIndex((row: Row) => row.node.page.id === id);
	const press = (id: string, key: string, mods: { altKey?: boolean; shiftKey?: boolean } = {}) =>
		treeKeyAction({ key, ...mods }, rows, at(id), collapsed);
	return { rows, press };
}

describe('the tree key map', () => {
	it('moves the focus along the visible rows', () => {
		const { rows, press } = setup(['a2']);
		expect(rows.map((row) => row.node.page.id)).toEqual(['a', 'a1', 'a2', 'b']);
		expect(press('a1', 'ArrowDown')).toEqual({ do: 'focus', id: 'a2' });
		expect(press('a2', 'ArrowDown')).toEqual({ do: 'focus', id: 'b' }); // a2x is hidden
		expect(press('b', 'ArrowDown')).toEqual({ do: 'focus', id: null }); // nothing below
		expect(press('a', 'ArrowUp')).toEqual({ do: 'focus', id: null });
		expect(press('a2', 'Home')).toEqual({ do: 'focus', id: 'a' });
		expect(press('a', 'End')).toEqual({ do: 'focus', id: 'b' });
	});

	it('opens and enters branches with Right, closes and leaves them with Left', () => {
		const closed = setup(['a2']);
		expect(closed.press('a2', 'ArrowRight')).toEqual({ do: 'expand' });
		expect(closed.press('a2', 'ArrowLeft')).toEqual({ do: 'focus', id: 'a' });
		const open = setup();
		expect(open.press('a2', 'ArrowRight')).toEqual({ do: 'focus', id: 'a2x' });
		expect(open.press('a2', 'ArrowLeft')).toEqual({ do: 'collapse' });
		expect(open.press('a2x', 'ArrowLeft')).toEqual({ do: 'focus', id: 'a2' });
		expect(open.press('b', 'ArrowLeft')).toEqual({ do: 'focus', id: null });
		// A leaf has nothing to open: Right is left to the browser.
		expect(open.press('a1', 'ArrowRight')).toBeNull();
	});

	it('moves pages with Alt+Shift+arrows', () => {
		const { press } = setup();
		const both = { altKey: true, shiftKey: true };
		expect(press('a1', 'ArrowUp', both)).toEqual({ do: 'move', how: 'up' });
		expect(press('a1', 'ArrowDown', both)).toEqual({ do: 'move', how: 'down' });
		expect(press('a1', 'ArrowRight', both)).toEqual({ do: 'move', how: 'indent' });
		expect(press('a1', 'ArrowLeft', both)).toEqual({ do: 'move', how: 'outdent' });
		// Alt alone is the browser's (history navigation), not a move.
		expect(press('a1', 'ArrowLeft', { altKey: true })).toEqual({ do: 'focus', id: 'a' });
	});

	it('opens, renames, trashes and shows the menu', () => {
		const { press } = setup();
		expect(press('b', 'Enter')).toEqual({ do: 'open' });
		expect(press('b', ' ')).toEqual({ do: 'open' });
		expect(press('b', 'F2')).toEqual({ do: 'rename' });
		expect(press('b', 'Delete')).toEqual({ do: 'trash' });
		expect(press('b', 'ContextMenu')).toEqual({ do: 'menu' });
		expect(press('b', 'F10', { shiftKey: true })).toEqual({ do: 'menu' });
		expect(press('b', 'F10')).toBeNull();
		expect(press('b', 'x')).toBeNull();
		expect(treeKeyAction({ key: 'Enter' }, [], 0, new Set())).toBeNull();
	});
});
