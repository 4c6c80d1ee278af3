// @vitest-environment happy-dom
// Hostile page content (DESIGN.md: any editor of a shared space is a stranger): marks and
// attributes written straight into the Yjs page body, as another editor's client can, never
// reach the page or an export as they are. Each body here is built with the Y API, not through
// the schema, so nothing is cleaned on the way in: what the renderers do is all that stands
// between the document and the DOM.
import MarkdownIt from 'markdown-it';
import { describe, expect, it } from 'vitest';
import { DOMSerializer } from '@tiptap/pm/model';
import * as Y from 'yjs';
import { contentSchema } from '../../src/lib/editor/extensions';
import { pageToHtml } from '../../src/lib/export/html';
import { fragmentToDoc, pageToMarkdown } from '../../src/lib/export/markdown';

const REL = 'noopener noreferrer nofollow';

/** A link mark as a hostile client writes it: every attribute it likes. */
const hostileLink = (href: string) => ({
	link: {
		href,
		class: 'sidebar app-overlay',
		rel: 'opener',
		target: '_top',
		title: 'Innocent',
		style: 'position:fixed;inset:0',
		onclick: 'alert(1)',
		id: 'hijack'
	}
});

function paragraph(...runs: Array<[string, Record<string, unknown>?]>): Y.XmlElement {
	const p = new Y.XmlElement('paragraph');
	const text = new Y.XmlText();
	let at = 0;
	for (const [chunk, attributes] of runs) {
		text.insert(at, chunk, attributes ?? {});
		at += chunk.length;
	}
	p.insert(0, [text]);
	return p;
}

function codeBlock(language: string, code: string): Y.XmlElement {
	const block = new Y.XmlElement('codeBlock');
	block.setAttribute('language', language);
	block.insert(0, [new Y.XmlText(code)]);
	return block;
}

/** A one-row table whose cells carry hostile widths and spans. */
function table(): Y.XmlElement {
	const cell = (colwidth: unknown) => {
		const c = new Y.XmlElement('tableCell');
		// reason: y-prosemirror stores attribute values as they are; a peer can put any JSON here.
		c.setAttribute('colwidth', colwidth as string);
		c.insert(0, [paragraph(['cell'])]);
		return c;
	};
	const row = new Y.XmlElement('tableRow');
	row.insert(0, [cell(['1px; position: fixed; inset: 0; background: red; x: ']), cell([120])]);
	const t = new Y.XmlElement('table');
	t.insert(0, [row]);
	return t;
}

/** A page body with every hostile thing this suite checks. */
function hostileBody(): Y.XmlFragment {
	const doc = new Y.Doc();
	const body = doc.getXmlFragment('body');
	body.insert(0, [
		paragraph(['Script ', {}], ['click me', hostileLink('javascript:alert(document.domain)')]),
		paragraph(['Hidden ', {}], ['tab', hostileLink('java\tscript:alert(1)')]),
		paragraph(['Data ', {}], ['here', hostileLink('data:text/html,<script>alert(1)</script>')]),
		paragraph(['Entity ', {}], ['trick', hostileLink('javascript&#58;alert(1)')]),
		paragraph(['Safe ', {}], ['site', hostileLink('https://example.org/a_(b)?x=1&y=2')]),
		paragraph(
			['Autolink ', {}],
			[
				'https://a.example/><img src=x onerror=alert(1)>',
				hostileLink('https://a.example/><img src=x onerror=alert(1)>')
			]
		),
		paragraph(['<img src=x onerror=alert(1)> and <script>alert(2)</script> &lt;b&gt;']),
		codeBlock('js app-overlay\n<script>alert(3)</script>', 'let a = 1;'),
		codeBlock('', '~~~~\n```\n<img src=x onerror=alert(4)>'),
		table()
	]);
	return body;
}

/** What the editor and the clipboard draw: the schema's own DOM for the body. */
function renderedHtml(fragment: Y.XmlFragment): HTMLElement {
	const container = document.createElement('div');
	container.append(
		DOMSerializer.fromSchema(contentSchema()).serializeFragment(fragmentToDoc(fragment).content, {
			document
		})
	);
	return container;
}

describe('hostile content, rendered', () => {
	it('a link carries only a safe href and the app’s own rel and target', () => {
		const anchors = [...renderedHtml(hostileBody()).querySelectorAll('a')];
		expect(anchors).toHaveLength(6);
		for (const a of anchors) {
			const names = a.getAttributeNames().sort();
			expect(names.filter((n) => n !== 'href')).toEqual(['rel', 'target']);
			expect(a.getAttribute('rel')).toBe(REL);
			expect(a.getAttribute('target')).toBe('_blank');
		}
		const hrefs = anchors.map((a) => a.getAttribute('href'));
		expect(hrefs).toEqual([
			null,
			null,
			null,
			null,
			'https://example.org/a_(b)?x=1&y=2',
			'https://a.example/><img src=x onerror=alert(1)>'
		]);
	});

	it('a code block’s language cannot add classes', () => {
		const codes = [...renderedHtml(hostileBody()).querySelectorAll('pre code')];
		expect(codes.map((c) => c.getAttribute('class'))).toEqual([null, null]);
	});
});

describe('hostile content, exported as HTML', () => {
	const html = pageToHtml(hostileBody(), '<img src=x onerror=alert(5)>', document);
	const page = new DOMParser().parseFromString(html, 'text/html');

	it('keeps no script URL, no attribute from content and no injected style', () => {
		expect(html).not.toMatch(/javascript|data:text|vbscript/i);
		expect(html).not.toContain('app-overlay');
		expect(html).not.toContain('opener"');
		expect(html).not.toContain('_top');
		expect(html).not.toContain('onclick');
		expect(html).not.toContain('hijack');
		expect(html).not.toMatch(/position:\s*fixed/);
		expect(page.querySelectorAll('script, img, iframe, object')).toHaveLength(0);
		for (const a of page.querySelectorAll('a')) expect(a.getAttribute('rel')).toBe(REL);
	});

	it('keeps the text of every link and the title as text', () => {
		expect(page.title).toBe('<img src=x onerror=alert(5)>');
		expect(page.querySelector('h1')?.textContent).toBe('<img src=x onerror=alert(5)>');
		expect(page.body.textContent).toContain('Script click me');
		expect(page.body.textContent).toContain('<img src=x onerror=alert(1)> and <script>');
	});

	it('forbids scripts inside the exported file itself', () => {
		const csp = page.querySelector('meta[http-equiv="Content-Security-Policy"]');
		expect(csp?.getAttribute('content')).toContain("default-src 'none'");
	});
});

describe('hostile content, exported as Markdown', () => {
	const markdown = pageToMarkdown(hostileBody(), '<img src=x onerror=alert(5)>');
	// A renderer that lets raw HTML through (as many Markdown viewers do) is the worst case.
	const rendered = new MarkdownIt({ html: true, linkify: false }).render(markdown);
	const out = new DOMParser().parseFromString(rendered, 'text/html');

	it('drops unsafe links and keeps their text', () => {
		expect(markdown).not.toMatch(/javascript|data:text/i);
		expect(markdown).toContain('Script click me');
		expect(markdown).toContain('Hidden tab');
		expect(markdown).toContain('Data here');
		expect(markdown).toContain('[site](https://example.org/a_\\(b\\)?x=1&y=2)');
		const hrefs = [...out.querySelectorAll('a')].map((a) => a.getAttribute('href'));
		expect(hrefs).toEqual([
			'https://example.org/a_(b)?x=1&y=2',
			'https://a.example/%3E%3Cimg%20src=x%20onerror=alert(1)%3E'
		]);
	});

	it('writes HTML typed as text as text, in the body, the title and code', () => {
		expect(out.querySelectorAll('script, img, iframe, object')).toHaveLength(0);
		expect(out.querySelector('h1')?.textContent).toBe('<img src=x onerror=alert(5)>');
		expect(out.body.textContent).toContain(
			'<img src=x onerror=alert(1)> and <script>alert(2)</script> &lt;b&gt;'
		);
		const codes = [...out.querySelectorAll('pre code')];
		expect(codes.map((c) => c.textContent)).toEqual([
			'let a = 1;\n',
			'~~~~\n```\n<img src=x onerror=alert(4)>\n'
		]);
		expect(codes.map((c) => c.getAttribute('class'))).toEqual([null, null]);
	});
});
