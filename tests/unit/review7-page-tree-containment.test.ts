// Review 7: `content-visibility: auto` on the page tree's rows (components/page-tree.svelte).
// `content-visibility: auto` always turns on layout, style and paint containment (CSS Containment
// 2, §4): the row becomes the containing block of its position: fixed descendants and clips them
// to its own box. Each row holds its Menu (components/menu.svelte), whose open list is rendered in
// place — inside the row — as `.menu { position: fixed }` (app.css), placed at viewport
// coordinates from getBoundingClientRect. Inside a contained row those coordinates are taken from
// the row's corner and the list is clipped to a 1.95rem strip: the "More" menu (the ⋯ button,
// Shift+F10), which the tree's header calls "every keyboard action of the tree, for those who do
// not know the keys", opens invisible, and keyboard focus moves into items nobody can see.
// No layout engine runs under vitest, so this reads the styles the browser would apply.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const tree = readFileSync('src/lib/components/page-tree.svelte', 'utf8');
const menu = readFileSync('src/lib/components/menu.svelte', 'utf8');
const appCss = readFileSync('src/app.css', 'utf8');

/** The declarations of the first rule whose selector is exactly `selector`. */
function rule(css: string, selector: string): string {
	const escaped = selector.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
	const match = new RegExp(`(?:^|[}\\s])${escaped}\\s*\\{([^}]*)\\}`, 'm').exec(css);
	return match?.[1] ?? '';
}

describe('review7: page tree rows and their menus', () => {
	it('a row that renders a position: fixed menu inside itself is not a containment root', () => {
		// Preconditions: the row holds the Menu; the Menu renders its list in place, fixed.
		const rowMarkup = tree.slice(tree.indexOf('class="row"'), tree.indexOf('<style>'));
		expect(rowMarkup).toContain('<Menu');
		expect(menu).toMatch(/\{#if open\}\s*<div[^>]*class="menu"/);
		expect(menu).not.toMatch(/portal|document\.body\.append/);
		expect(rule(appCss, '.menu')).toMatch(/position:\s*fixed/);

		// Rows are containment roots while closed (content-visibility: auto, so rows out of view
		// are not laid out); a row whose menu is open, or that draws a drop line outside itself,
		// must not be one.
		const row = rule(tree, '.row');
		const contains =
			/content-visibility:\s*auto|contain:\s*(?:[^;]*\b(?:paint|layout|strict|content)\b)|transform:|filter:/.test(
				row
			);
		if (contains) {
			const released =
				/\.row:has\(:global\(\[aria-expanded='true'\]\)\),\s*\.row\.drop-before,\s*\.row\.drop-after\s*\{\s*content-visibility:\s*visible;/;
			expect(tree, `.row { ${row.trim()} } must be released while its menu is open`).toMatch(
				released
			);
			expect(row).not.toMatch(/\bcontain:|transform:|filter:/);
		}
	});
});
