import { unzipSync, strFromU8 } from 'fflate';
import { describe, expect, it } from 'vitest';
import { prosemirrorJSONToYXmlFragment } from 'y-prosemirror';
import * as Y from 'yjs';
import * as pages from '../../src/lib/doc/pages';
import { createContentDoc } from '../../src/lib/doc/schema';
import { initSpace } from '../../src/lib/doc/space';
import { contentSchema } from '../../src/lib/editor/extensions';
import { pageToMarkdown } from '../../src/lib/export/markdown';
import { safeName, spaceToZip } from '../../src/lib/export/zip';

const t = (text: string, marks?: Array<{ type: string; attrs?: object }>) => ({
	type: 'text',
	text,
	...(marks ? { marks } : {})
});
const p = (...content: object[]) => ({ type: 'paragraph', content });

const sample = {
	type: 'doc',
	content: [
		{ type: 'heading', attrs: { level: 2 }, content: [t('Plan')] },
		p(
			t('Some '),
			t('bold', [{ type: 'bold' }]),
			t(', '),
			t('gone', [{ type: 'strike' }]),
			t(' and '),
			t('a link', [{ type: 'link', attrs: { href: 'https://example.org' } }])
		),
		{
			type: 'bulletList',
			content: [
				{ type: 'listItem', content: [p(t('one'))] },
				{ type: 'listItem', content: [p(t('two'))] }
			]
		},
		{
			type: 'orderedList',
			attrs: { start: 1 },
			content: [{ type: 'listItem', content: [p(t('first'))] }]
		},
		{
			type: 'taskList',
			content: [
				{ type: 'taskItem', attrs: { checked: true }, content: [p(t('done'))] },
				{ type: 'taskItem', attrs: { checked: false }, content: [p(t('todo'))] }
			]
		},
		{ type: 'blockquote', content: [p(t('quoted'))] },
		{ type: 'codeBlock', attrs: { language: 'js' }, content: [t('let x = 1;')] },
		{ type: 'horizontalRule' },
		{
			type: 'table',
			content: [
				{
					type: 'tableRow',
					content: [
						{ type: 'tableHeader', content: [p(t('Name'))] },
						{ type: 'tableHeader', content: [p(t('Value'))] }
					]
				},
				{
					type: 'tableRow',
					content: [
						{ type: 'tableCell', content: [p(t('a|b'))] },
						{ type: 'tableCell', content: [p(t('2'))] }
					]
				}
			]
		}
	]
};

function fill(fragment: Y.XmlFragment, json: object) {
	prosemirrorJSONToYXmlFragment(contentSchema(), json, fragment);
}

describe('markdown export', () => {
	it('writes every block type as GFM', () => {
		const doc = new Y.Doc();
		const fragment = doc.getXmlFragment('body');
		fill(fragment, sample);
		expect(pageToMarkdown(fragment, 'My page')).toBe(
			[
				'# My page',
				'',
				'## Plan',
				'',
				'Some **bold**, ~~gone~~ and [a link](https://example.org)',
				'',
				'- one',
				'- two',
				'',
				'1. first',
				'',
				'- [x] done',
				'- [ ] todo',
				'',
				'> quoted',
				'',
				'```js',
				'let x = 1;',
				'```',
				'',
				'---',
				'',
				'| Name | Value |',
				'| --- | --- |',
				'| a\\|b | 2 |',
				''
			].join('\n')
		);
	});
});

describe('space zip export', () => {
	it('writes one Markdown file per page in folders that follow the tree', () => {
		const doc = createContentDoc();
		initSpace(doc, 'Trip: Lisbon');
		const a = pages.createPage(doc, { title: 'Plans' });
		const b = pages.createPage(doc, { title: 'Day/1', parent: a });
		pages.createPage(doc, { title: 'Plans' });
		pages.createPage(doc, { title: 'Old' });
		pages.trashPage(doc, pages.createPage(doc, { title: 'Trashed' }));
		fill(pages.body(doc, b) as Y.XmlFragment, { type: 'doc', content: [p(t('Arrive at noon'))] });
		const progress: number[] = [];
		const files = unzipSync(spaceToZip(doc, (done) => progress.push(done)));
		expect(Object.keys(files).sort()).toEqual([
			'Trip- Lisbon/Old.md',
			'Trip- Lisbon/Plans (2).md',
			'Trip- Lisbon/Plans.md',
			'Trip- Lisbon/Plans/Day-1.md'
		]);
		expect(strFromU8(files['Trip- Lisbon/Plans/Day-1.md'] as Uint8Array)).toBe(
			'# Day/1\n\nArrive at noon\n'
		);
		expect(progress).toEqual([1, 2, 3, 4]);
	});

	it('makes safe file names', () => {
		expect(safeName('  ..hidden  ')).toBe('hidden');
		expect(safeName('a<b>c')).toBe('a-b-c');
		expect(safeName('')).toBe('Untitled');
	});
});
