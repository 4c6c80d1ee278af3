// Hostile content from another editor of the space: link marks and code blocks written straight
// into the page's Yjs body with every attribute a client can put there (as any editor's client
// can, and as it would arrive from a peer). The editor draws only what content-policy.ts allows,
// after a reload too (the content then comes back from the sealed log), and so do both exports.
import { expect, test, type Download, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { createSpace, editor } from './helpers';

const REL = 'noopener noreferrer nofollow';
const HOSTILE = { class: 'sidebar', rel: 'opener', target: '_top', onclick: 'alert(1)', id: 'x' };

/**
 * Writes into the open page's Y.XmlFragment, as a hostile editor's own client would. Tiptap keeps
 * its editor on the editor element (`dom.editor`) and y-prosemirror its fragment in the sync
 * plugin's state, so this needs no hook in the app.
 */
async function injectHostileContent(page: Page): Promise<void> {
	await page.evaluate((hostile) => {
		interface YType {
			get(i: number): YType;
			length: number;
			constructor: new (name?: string) => YType;
			format(at: number, n: number, attributes: object): void;
			setAttribute(name: string, value: string): void;
			insert(at: number, items: YType[]): void;
			doc: { transact(fn: () => void): void };
		}
		const dom = document.querySelector('.ProseMirror') as unknown as {
			editor: { state: { plugins: Array<{ key: string; getState(s: unknown): unknown }> } };
		};
		const state = dom.editor.state;
		const sync = state.plugins.find((p) => p.key.startsWith('y-sync$'));
		const fragment = (sync?.getState(state) as { type: YType }).type;
		const paragraph = fragment.get(0);
		const text = paragraph.get(0);
		fragment.doc.transact(() => {
			text.format(0, 4, { link: { ...hostile, href: 'javascript:alert(document.domain)' } });
			text.format(5, 4, { link: { ...hostile, href: 'https://example.org/' } });
			const block = new paragraph.constructor('codeBlock');
			block.setAttribute('language', 'js sidebar');
			block.insert(0, [new text.constructor('let x')]);
			fragment.insert(fragment.length, [block]);
		});
	}, HOSTILE);
}

/** Every link the editor draws, with all its attributes. */
const drawnLinks = (page: Page) =>
	editor(page)
		.locator('a')
		.evaluateAll((anchors) =>
			anchors.map((a) => ({
				text: a.textContent,
				attributes: Object.fromEntries(a.getAttributeNames().map((n) => [n, a.getAttribute(n)]))
			}))
		);

const expected = [
	{ text: 'evil', attributes: { rel: REL, target: '_blank' } },
	{ text: 'safe', attributes: { href: 'https://example.org/', rel: REL, target: '_blank' } }
];

async function exported(page: Page, item: string): Promise<string> {
	await page.getByRole('button', { name: 'Page actions' }).click();
	const [download]: [Download, void] = await Promise.all([
		page.waitForEvent('download'),
		page.getByRole('menuitem', { name: item }).click()
	]);
	return readFileSync((await download.path()) as string, 'utf8');
}

test('links and code blocks from another editor draw only what the app allows', async ({
	page
}) => {
	const dialogs: string[] = [];
	page.on('dialog', (dialog) => {
		dialogs.push(dialog.message());
		void dialog.dismiss();
	});
	await createSpace(page, 'Hostile');
	await editor(page).click();
	await page.keyboard.type('evil safe');
	await injectHostileContent(page);

	await expect(editor(page).locator('a')).toHaveCount(2);
	expect(await drawnLinks(page)).toEqual(expected);
	await expect(editor(page).locator('pre code')).not.toHaveAttribute('class', /sidebar/);

	// From the sealed log, as a peer's edit would arrive.
	await page.reload();
	await expect(editor(page).locator('a')).toHaveCount(2);
	expect(await drawnLinks(page)).toEqual(expected);
	await expect(editor(page).locator('pre code')).toHaveCount(1);
	expect(await editor(page).locator('pre code').getAttribute('class')).toBeNull();
	await expect(page.locator('#x')).toHaveCount(0);

	const markdown = await exported(page, 'Export as Markdown');
	expect(markdown).toContain('evil [safe](https://example.org/)');
	expect(markdown).not.toMatch(/javascript|sidebar|opener|_top/);
	const html = await exported(page, 'Export as HTML');
	expect(html).toContain(`<a href="https://example.org/" rel="${REL}" target="_blank">safe</a>`);
	expect(html).toContain(`<a rel="${REL}" target="_blank">evil</a>`);
	expect(html).not.toMatch(/javascript|sidebar|opener"|_top|onclick/);

	// Clicking the link that lost its address goes nowhere and runs nothing.
	await editor(page).locator('a', { hasText: 'evil' }).click();
	expect(dialogs).toEqual([]);
});

test('the link dialog refuses a script address with a sentence', async ({ page }) => {
	await createSpace(page, 'Links');
	await editor(page).click();
	await page.keyboard.type('here');
	await page.keyboard.press('Shift+Home');
	await expect.poll(() => page.evaluate(() => String(getSelection()))).toBe('here');
	await page.keyboard.press('ControlOrMeta+k');
	const prompt = page.getByRole('dialog', { name: 'Link' });
	await prompt.getByLabel('Address').fill('javascript:alert(1)');
	await prompt.getByRole('button', { name: 'Apply' }).click();
	await expect(prompt.getByRole('alert')).toContainText('This one cannot.');
	await expect(editor(page).locator('a')).toHaveCount(0);
	await prompt.getByLabel('Address').fill('example.org');
	await prompt.getByRole('button', { name: 'Apply' }).click();
	await expect(prompt).toBeHidden();
	await expect(editor(page).locator('a')).toHaveAttribute('href', 'https://example.org');
});
