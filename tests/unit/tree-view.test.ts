// The session's projection of the page tree: right after changes to pages and the name, and
// never laid out again for a body edit.
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { PageActivity } from '../../src/lib/doc/activity';
import * as pages from '../../src/lib/doc/pages';
import { createContentDoc, pagesMap } from '../../src/lib/doc/schema';
import { initSpace, renameSpace } from '../../src/lib/doc/space';
import { TreeView } from '../../src/lib/session/tree-view.svelte';

const tick = () => new Promise((resolve) => queueMicrotask(() => resolve(null)));

describe('TreeView', () => {
	it('follows pages and the name, once per burst, and not body edits', async () => {
		const doc = createContentDoc();
		initSpace(doc, 'Trip');
		const view = new TreeView(doc);
		expect(view.name).toBe('Trip');
		const first = view.layouts;
		const a = pages.createPage(doc, { title: 'A' });
		const b = pages.createPage(doc, { title: 'B' });
		pages.movePage(doc, b, a, 0);
		await tick();
		expect(view.layouts).toBe(first + 1);
		expect(view.tree.map((n) => [n.page.title, n.children.map((c) => c.page.title)])).toEqual([
			['A', ['B']]
		]);
		const body = pages.body(doc, a) as Y.XmlFragment;
		for (let i = 0; i < 50; i++) {
			const paragraph = new Y.XmlElement('paragraph');
			paragraph.insert(0, [new Y.XmlText(`line ${i}`)]);
			body.insert(body.length, [paragraph]);
		}
		await tick();
		expect(view.layouts).toBe(first + 1);
		renameSpace(doc, 'Trip to Lisbon');
		pages.trashPage(doc, b);
		await tick();
		expect(view.name).toBe('Trip to Lisbon');
		expect(view.trash.map((p) => p.title)).toEqual(['B']);
		expect(view.layouts).toBe(first + 2);
		// A page's `updated` time (PageActivity, while someone types) changes its record, not the tree.
		pagesMap(doc).get(a)?.set('updated', 42);
		await tick();
		expect(view.layouts).toBe(first + 2);
		expect(view.visible.get(a)?.updated).toBe(42);
		doc.destroy();
		view.destroy(); // twice: once by the doc, once here
	});
});

describe('PageActivity', () => {
	it("touches a page's `updated` on its own edits, at most once per interval, and finds the page", async () => {
		const doc = createContentDoc();
		let now = 1_000_000;
		const id = pages.createPage(doc, { title: 'A' }, 1);
		const other = pages.createPage(doc, { title: 'B' }, 1);
		const activity = new PageActivity(doc, {
			isOwnEdit: (tx) => tx.origin !== 'peer',
			intervalMs: 30_000,
			now: () => now
		});
		const body = pages.body(doc, id) as Y.XmlFragment;
		const paragraph = new Y.XmlElement('paragraph');
		const text = new Y.XmlText('hi');
		paragraph.insert(0, [text]);
		body.insert(0, [paragraph]);
		await tick();
		expect(pages.getPage(doc, id)?.updated).toBe(1_000_000);
		expect(activity.pageOf(text)).toBe(id);
		now += 10_000;
		text.insert(2, '!');
		await tick();
		expect(pages.getPage(doc, id)?.updated).toBe(1_000_000);
		now += 30_000;
		doc.transact(() => text.insert(0, '>'), 'peer');
		await tick();
		expect(pages.getPage(doc, id)?.updated).toBe(1_000_000);
		text.insert(0, '>');
		await tick();
		expect(pages.getPage(doc, id)?.updated).toBe(1_040_000);
		expect(pages.getPage(doc, other)?.updated).toBe(1);
		activity.destroy();
	});
});
