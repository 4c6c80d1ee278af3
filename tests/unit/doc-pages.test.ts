import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import * as pages from '../../src/lib/doc/pages';
import { createContentDoc, pagesMap, type PageId } from '../../src/lib/doc/schema';
import * as space from '../../src/lib/doc/space';
import { buildTree, childrenOf, flatten, layout } from '../../src/lib/doc/tree';

const titles = (doc: Y.Doc, parent: PageId | null = null) =>
	childrenOf(doc, parent).map((p) => p.title);

function sync(a: Y.Doc, b: Y.Doc) {
	Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)));
	Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)));
}

describe('space meta', () => {
	it('names, renames and cleans the name', () => {
		const doc = createContentDoc();
		space.initSpace(doc, '  Field   notes ');
		expect(space.spaceName(doc)).toBe('Field notes');
		space.renameSpace(doc, '');
		expect(space.spaceName(doc)).toBe(space.DEFAULT_NAME);
		space.renameSpace(doc, 'x'.repeat(500));
		expect(space.spaceName(doc)).toHaveLength(space.MAX_NAME_LENGTH);
	});
});

describe('pages', () => {
	it('creates pages in order and at an index, with a body each', () => {
		const doc = createContentDoc();
		const a = pages.createPage(doc, { title: 'A' });
		pages.createPage(doc, { title: 'C' });
		pages.createPage(doc, { title: 'B', index: 1 });
		pages.createPage(doc, { title: 'Z', index: 0 });
		expect(titles(doc)).toEqual(['Z', 'A', 'B', 'C']);
		expect(pages.body(doc, a)).toBeInstanceOf(Y.XmlFragment);
		expect(pages.getPage(doc, a)?.trashed).toBeNull();
	});

	it('renames, with newlines folded and a length cap', () => {
		const doc = createContentDoc();
		const a = pages.createPage(doc, { title: 'A' });
		pages.renamePage(doc, a, 'Line one\nline two', 42);
		expect(pages.getPage(doc, a)).toMatchObject({ title: 'Line one line two', updated: 42 });
		pages.renamePage(doc, a, 'y'.repeat(2000));
		expect(pages.getPage(doc, a)?.title).toHaveLength(pages.MAX_TITLE_LENGTH);
	});

	it('nests, moves, reorders, indents and outdents', () => {
		const doc = createContentDoc();
		const a = pages.createPage(doc, { title: 'A' });
		const b = pages.createPage(doc, { title: 'B' });
		const c = pages.createPage(doc, { title: 'C' });
		expect(pages.movePage(doc, c, a, 0)).toBe(true);
		expect(titles(doc)).toEqual(['A', 'B']);
		expect(titles(doc, a)).toEqual(['C']);
		expect(pages.indentPage(doc, b)).toBe(true);
		expect(titles(doc, a)).toEqual(['C', 'B']);
		expect(pages.shiftPage(doc, b, -1)).toBe(true);
		expect(titles(doc, a)).toEqual(['B', 'C']);
		expect(pages.shiftPage(doc, b, -1)).toBe(false);
		expect(pages.outdentPage(doc, c)).toBe(true);
		expect(titles(doc)).toEqual(['A', 'C']);
		expect(pages.outdentPage(doc, c)).toBe(false);
		const tree = buildTree(layout(doc));
		expect(flatten(tree).map((n) => [n.page.title, n.depth])).toEqual([
			['A', 0],
			['B', 1],
			['C', 0]
		]);
	});

	it('refuses to move a page into itself or its descendants', () => {
		const doc = createContentDoc();
		const a = pages.createPage(doc, { title: 'A' });
		const b = pages.createPage(doc, { title: 'B', parent: a });
		const c = pages.createPage(doc, { title: 'C', parent: b });
		expect(pages.movePage(doc, a, a, 0)).toBe(false);
		expect(pages.movePage(doc, a, c, 0)).toBe(false);
		expect(pages.getPage(doc, a)?.parent).toBeNull();
		expect(() => pages.createPage(doc, { parent: 'nonexistent-id' as PageId })).toThrow();
	});

	it('trashes a subtree and restores it, to the top level when its parent is gone', () => {
		const doc = createContentDoc();
		const a = pages.createPage(doc, { title: 'A' });
		const b = pages.createPage(doc, { title: 'B', parent: a });
		const c = pages.createPage(doc, { title: 'C', parent: b });
		pages.trashPage(doc, b);
		expect(flatten(buildTree(layout(doc))).map((n) => n.page.title)).toEqual(['A']);
		expect(layout(doc).trashed.map((p) => p.title)).toEqual(['B']);
		expect(pages.isHidden(doc, c)).toBe(true);
		pages.restorePage(doc, b);
		expect(flatten(buildTree(layout(doc))).map((n) => n.page.title)).toEqual(['A', 'B', 'C']);

		pages.trashPage(doc, c, 1);
		pages.trashPage(doc, b, 2);
		expect(layout(doc).trashed.map((p) => p.title)).toEqual(['B', 'C']);
		pages.restorePage(doc, c);
		expect(pages.getPage(doc, c)?.parent).toBeNull();
		expect(titles(doc)).toEqual(['A', 'C']);
	});

	it('deletes a page and its sub-pages for good', () => {
		const doc = createContentDoc();
		const a = pages.createPage(doc, { title: 'A' });
		const b = pages.createPage(doc, { title: 'B', parent: a });
		pages.createPage(doc, { title: 'C', parent: b });
		const d = pages.createPage(doc, { title: 'D' });
		pages.trashPage(doc, a);
		pages.deletePage(doc, a);
		expect([...pagesMap(doc).keys()]).toEqual([d]);
		expect(pages.body(doc, b)).toBeNull();
	});
});

describe('concurrent edits', () => {
	it('two replicas inserting at the same spot agree, and later inserts still fit between', () => {
		const x = createContentDoc();
		const first = pages.createPage(x, { title: 'first' });
		pages.createPage(x, { title: 'last' });
		const y = createContentDoc();
		sync(x, y);
		pages.createPage(x, { title: 'from x', index: 1 });
		pages.createPage(y, { title: 'from y', index: 1 });
		sync(x, y);
		expect(titles(x)).toEqual(titles(y));
		expect(titles(x)).toHaveLength(4);
		// Both got the same key; inserting between them forces a re-key and still works.
		pages.createPage(x, { title: 'between', index: 2 });
		sync(x, y);
		expect(titles(x)).toEqual(titles(y));
		expect(titles(x)[2]).toBe('between');
		expect(titles(x)[0]).toBe('first');
		expect(pages.getPage(x, first)).not.toBeNull();
	});

	it('a move cycle made by two replicas surfaces both pages instead of losing them', () => {
		const x = createContentDoc();
		const a = pages.createPage(x, { title: 'A' });
		const b = pages.createPage(x, { title: 'B' });
		const y = createContentDoc();
		sync(x, y);
		pages.movePage(x, a, b, 0);
		pages.movePage(y, b, a, 0);
		sync(x, y);
		const seen = flatten(buildTree(layout(x))).map((n) => n.page.title);
		expect(seen.sort()).toEqual(['A', 'B']);
		expect(flatten(buildTree(layout(y))).map((n) => n.page.id)).toEqual(
			flatten(buildTree(layout(x))).map((n) => n.page.id)
		);
	});

	it('a page whose parent was deleted elsewhere shows at the top level', () => {
		const x = createContentDoc();
		const a = pages.createPage(x, { title: 'A' });
		const y = createContentDoc();
		sync(x, y);
		pages.createPage(y, { title: 'child', parent: a });
		pages.deletePage(x, a);
		sync(x, y);
		expect(titles(x)).toEqual(['child']);
		expect(titles(y)).toEqual(['child']);
	});

	it('reads damaged page records as safe defaults', () => {
		const doc = createContentDoc();
		const a = pages.createPage(doc, { title: 'A' });
		const map = pagesMap(doc).get(a) as Y.Map<unknown>;
		map.set('title', 42);
		map.set('parent', { nope: true });
		map.set('order', 'not a valid key !!');
		pages.createPage(doc, { title: 'B' });
		expect(titles(doc)).toEqual(['', 'B']);
	});
});

describe('a blank page', () => {
	it('is one with no blocks or only empty paragraphs; any text or other block is not', () => {
		const doc = createContentDoc();
		const id = pages.createPage(doc, {});
		expect(pages.isBlank(doc, id)).toBe(true);
		const body = pages.body(doc, id) as Y.XmlFragment;
		body.insert(0, [new Y.XmlElement('paragraph')]);
		expect(pages.isBlank(doc, id)).toBe(true);
		const text = new Y.XmlText();
		text.insert(0, 'hello');
		(body.get(0) as Y.XmlElement).insert(0, [text]);
		expect(pages.isBlank(doc, id)).toBe(false);
		text.delete(0, 5);
		expect(pages.isBlank(doc, id)).toBe(false); // an empty text node: a block that held text
		body.delete(0, 1);
		body.insert(0, [new Y.XmlElement('horizontalRule')]);
		expect(pages.isBlank(doc, id)).toBe(false); // a divider is something written
		expect(pages.isBlank(doc, 'missing' as PageId)).toBe(true);
	});
});

describe('a title another client wrote', () => {
	it('is read as one line of at most MAX_TITLE_LENGTH characters', () => {
		const doc = createContentDoc();
		const id = pages.createPage(doc, { title: 'fine' });
		// Straight into the Y.Map, as a client that skips renamePage's cleaning would.
		(pagesMap(doc).get(id) as Y.Map<unknown>).set('title', `one \r\n\n  two${'\n'.repeat(5000)}x`);
		expect(pages.getPage(doc, id)?.title).toBe('one two x');
		(pagesMap(doc).get(id) as Y.Map<unknown>).set('title', 'y'.repeat(10_000));
		expect(pages.getPage(doc, id)?.title).toHaveLength(pages.MAX_TITLE_LENGTH);
	});
});
