// The one allow-list of link addresses, shared by the editor and both exports.
import type { TagParseRule } from '@tiptap/pm/model';
import { describe, expect, it } from 'vitest';
import { contentSchema } from '../../src/lib/editor/extensions';
import * as policy from '../../src/lib/editor/content-policy';
import { normaliseHref } from '../../src/lib/editor/page-editor';

describe('link policy', () => {
	it('allows web, mail, relative and fragment addresses as they are', () => {
		for (const href of [
			'https://example.org/a?b=1#c',
			'HTTP://EXAMPLE.ORG',
			'mailto:ada@example.org',
			'#section',
			'/docs/page',
			'./sibling',
			'../up',
			'?q=1',
			'notes/today',
			'//example.org/path'
		])
			expect(policy.safeHref(href), href).toBe(href);
	});

	it('judges what the browser would see, after the whitespace it ignores', () => {
		expect(policy.safeHref('  https://example.org  ')).toBe('https://example.org');
		expect(policy.safeHref('ht\ttp\ns://example.org')).toBe('https://example.org');
	});

	it('refuses every other scheme, however it is spelled', () => {
		for (const href of [
			'javascript:alert(1)',
			'JaVaScRiPt:alert(1)',
			' javascript:alert(1)',
			'\u0000javascript:alert(1)',
			'java\tscript:alert(1)',
			'java\nscript:alert(1)',
			'vbscript:msgbox(1)',
			'data:text/html,<script>alert(1)</script>',
			'blob:https://example.org/1',
			'file:///etc/passwd',
			'tel:+100',
			'ftp://example.org',
			'intent://x#Intent;end',
			// A Markdown renderer decodes character references in a destination.
			'javascript&#58;alert(1)',
			'&#106;avascript:alert(1)',
			'java&#x09;script:alert(1)',
			// No scheme in the first segment, but a colon: a tolerant parser may read one.
			'java\u0000script:alert(1)',
			'',
			'   '
		])
			expect(policy.safeHref(href), JSON.stringify(href)).toBeNull();
		for (const value of [null, undefined, 42, {}, ['https://example.org']])
			expect(policy.safeHref(value)).toBeNull();
	});

	it('is the one the editor uses for links typed in the link dialog', () => {
		expect(normaliseHref('example.org')).toBe('https://example.org');
		expect(normaliseHref(' https://example.org/x ')).toBe('https://example.org/x');
		expect(normaliseHref('#top')).toBe('#top');
		expect(normaliseHref('javascript:alert(1)')).toBeNull();
		expect(normaliseHref('data:text/html,x')).toBeNull();
	});

	it('is the one the schema parses pasted HTML with', () => {
		const rule = contentSchema().marks.link?.spec.parseDOM?.[0] as TagParseRule | undefined;
		const anchor = (href: string) =>
			({ getAttribute: (n: string) => (n === 'href' ? href : null) }) as unknown as HTMLElement;
		expect(rule?.getAttrs?.(anchor('javascript:alert(1)'))).toBe(false);
		expect(rule?.getAttrs?.(anchor('https://example.org'))).not.toBe(false);
	});

	it('keeps a code block’s language only when it is a plain name', () => {
		for (const name of ['js', 'typescript', 'c++', 'c#', 'objective-c', 'shell_session', 'x.y'])
			expect(policy.safeLanguage(name)).toBe(name);
		for (const name of ['js evil', 'a\nb', '<script>', '"x"', '', 'a'.repeat(41), 7, null])
			expect(policy.safeLanguage(name)).toBeNull();
	});

	it('keeps column widths only as whole pixels in a sane range', () => {
		expect(policy.safeColwidth([120, 80.4])).toEqual([120, 80]);
		expect(policy.safeColwidth([120, '1px; position: fixed'])).toEqual([120, null]);
		expect(policy.safeColwidth('120')).toBeNull();
		expect(policy.safeColwidth([-5, 0, 1e9, NaN])).toEqual([null, null, null, null]);
	});
});
