// What a page's content may put on the page. Any editor of a shared space writes the Yjs
// document directly, with any attributes it likes, so whatever reaches the DOM, the HTML export
// or the Markdown export is decided here and never copied from content. One allow-list for links,
// used by the editor (typing, pasting, drawing) and by both exports. Pure: no DOM.

/** Schemes a link may use. Anything without a scheme (relative, `#fragment`) is allowed too. */
export const LINK_SCHEMES: readonly string[] = ['http', 'https', 'mailto'];

/**
 * Every link opens a new browsing context that cannot reach back into the app
 * (`window.opener`), sends no referrer (the URL holds a space's id) and endorses nothing.
 */
export const LINK_REL = 'noopener noreferrer nofollow';
export const LINK_TARGET = '_blank';

// Browsers drop ASCII tab and newline anywhere in a URL, and C0 controls and spaces at either
// end ("java\tscript:" is javascript:), so the address is judged as the browser would read it.
const IGNORED_ANYWHERE = /[\t\n\r]/g;
// eslint-disable-next-line no-control-regex -- reason: C0 controls are exactly what is meant.
const IGNORED_AT_ENDS = /^[\u0000-\u0020]+|[\u0000-\u0020]+$/g;
const SCHEME = /^([a-z][a-z0-9+.-]*):/i;

/**
 * The address a link may carry, or null when it must not be a link (its text stays).
 * A relative address may not hold `:` or `&` before its first `/`, `?` or `#`: a tolerant
 * parser could read a scheme there, and a Markdown renderer decodes character references in a
 * link destination (`javascript&#58;…` would become a scheme).
 */
export function safeHref(href: unknown): string | null {
	if (typeof href !== 'string') return null;
	const url = href.replace(IGNORED_ANYWHERE, '').replace(IGNORED_AT_ENDS, '');
	if (url === '') return null;
	const scheme = SCHEME.exec(url);
	if (scheme) return LINK_SCHEMES.includes((scheme[1] as string).toLowerCase()) ? url : null;
	const head = /^[^/?#]*/.exec(url)?.[0] ?? '';
	return /[:&]/.test(head) ? null : url;
}

/**
 * A code block's language, which the editor draws as a class (`language-js`) and Markdown
 * writes after the fence: a plain name only, so it can add no second class and end no fence.
 */
export function safeLanguage(language: unknown): string | null {
	return typeof language === 'string' && /^[A-Za-z0-9_+#.-]{1,40}$/.test(language)
		? language
		: null;
}

const MAX_COLUMN_WIDTH = 10_000;

/**
 * A table cell's column widths as whole pixels (null where a width is not one). Tiptap builds
 * a style from them, so a string there would be CSS written by content.
 */
export function safeColwidth(colwidth: unknown): Array<number | null> | null {
	if (!Array.isArray(colwidth)) return null;
	return colwidth.map((width: unknown) =>
		typeof width === 'number' && width >= 1 && width <= MAX_COLUMN_WIDTH ? Math.round(width) : null
	);
}
