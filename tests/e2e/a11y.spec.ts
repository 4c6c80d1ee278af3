// Accessibility: axe-core audits (WCAG 2.0 and 2.1, A and AA, and axe's best practices) of home,
// a space with the editor, the share dialog and settings, in the light and the dark theme; any
// violation of impact serious or critical fails, and so does a missing main landmark or level-one
// heading. And the menus work by keyboard as the WAI-ARIA menu button pattern says.
//
// axe is evaluated through the DevTools protocol (page.evaluate), which the page's CSP does not
// govern; a <script> tag would be refused, as the app refuses every inline script.
import { expect, test, type Page } from '@playwright/test';
import type { AxeResults, RunOptions } from 'axe-core';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createSpace, editor, titleInput, treeItem } from './helpers';

const axeSource = readFileSync(
	createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
	'utf8'
);

const options: RunOptions = {
	runOnly: {
		type: 'tag',
		values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']
	},
	resultTypes: ['violations']
};

/** Rules that fail at any impact: the page structure a screen reader finds its way by. */
const STRUCTURE = ['landmark-one-main', 'page-has-heading-one'];

/** The violations that fail the test, one readable line each (rule, impact, help, where). */
async function audit(page: Page): Promise<string[]> {
	await page.evaluate(axeSource);
	const results = await page.evaluate(
		(runOptions) =>
			(window as unknown as { axe: { run(c: Document, o: unknown): Promise<AxeResults> } }).axe.run(
				document,
				runOptions
			),
		options
	);
	return results.violations
		.filter((v) => v.impact === 'serious' || v.impact === 'critical' || STRUCTURE.includes(v.id))
		.map(
			(v) =>
				`${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((node) => node.target.join(' ')).join(', ')}`
		);
}

for (const colorScheme of ['light', 'dark'] as const) {
	test.describe(`${colorScheme} theme`, () => {
		test.use({ colorScheme });

		test(`home with a space listed, its menu and the delete confirmation pass axe (${colorScheme})`, async ({
			page
		}) => {
			await createSpace(page, 'Audited space');
			await page.goto('./');
			await expect(page.getByRole('link', { name: /Audited space/ })).toBeVisible();
			expect(await audit(page)).toEqual([]);

			await page.getByRole('button', { name: 'Actions for Audited space' }).click();
			await expect(page.getByRole('menu')).toBeVisible();
			expect(await audit(page)).toEqual([]);

			await page.getByRole('menuitem', { name: 'Delete…' }).click();
			await expect(page.getByRole('dialog', { name: 'Delete this space?' })).toBeVisible();
			expect(await audit(page)).toEqual([]);
		});

		test(`a space with the editor open (text, a heading, a list) and its menus pass axe (${colorScheme})`, async ({
			page
		}) => {
			await createSpace(page, 'Audited space');
			await titleInput(page).fill('Audited page');
			await editor(page).click();
			// A level-two heading: the page's level-one heading must come from the app, not the text.
			await page.keyboard.type(
				'## A heading\nSome **bold** text and `code`, then a list:\n- one\n- two'
			);
			await expect(editor(page).getByRole('listitem')).toHaveCount(2);
			await expect(page.getByRole('heading', { level: 1, name: 'Audited page' })).toBeAttached();
			expect(await audit(page)).toEqual([]);

			await page.getByRole('button', { name: 'Page actions' }).click();
			await expect(page.getByRole('menu', { name: 'Page actions' })).toBeVisible();
			expect(await audit(page)).toEqual([]);
			await page.keyboard.press('Escape');

			// An untitled page on the active row: the faint "Untitled" must still be legible.
			await page.getByRole('button', { name: 'New page' }).click();
			await expect(treeItem(page, 'Untitled')).toHaveAttribute('aria-selected', 'true');
			expect(await audit(page)).toEqual([]);
		});

		test(`the share dialog passes axe (${colorScheme})`, async ({ page }) => {
			await createSpace(page, 'Audited space');
			await page.getByRole('button', { name: 'Share', exact: true }).click();
			const dialog = page.getByRole('dialog', { name: /Share/ });
			await expect(dialog.getByLabel('Edit link', { exact: true })).toBeVisible();
			expect(await audit(page)).toEqual([]);
		});

		test(`settings pass axe (${colorScheme})`, async ({ page }) => {
			await page.goto('./settings/');
			await expect(page.getByRole('heading', { name: 'Settings', level: 1 })).toBeVisible();
			await expect(page.getByTestId('usage')).toBeVisible();
			expect(await audit(page)).toEqual([]);
		});
	});
}

test('menus work by keyboard: arrows, Home/End, Enter, Escape back to the trigger, Tab onwards; a click outside closes', async ({
	page
}) => {
	await createSpace(page, 'Keys');
	await titleInput(page).fill('First');
	const trigger = page.getByRole('button', { name: 'Page actions' });
	const menu = page.getByRole('menu', { name: 'Page actions' });
	const focusedItem = () => page.evaluate(() => document.activeElement?.textContent?.trim());

	// Enter on the trigger opens the menu on its first item; arrows wrap; Home/End jump.
	await trigger.focus();
	await page.keyboard.press('Enter');
	await expect(menu).toBeVisible();
	await expect(trigger).toHaveAttribute('aria-expanded', 'true');
	await expect.poll(focusedItem).toBe('Export as Markdown');
	await page.keyboard.press('ArrowDown');
	await expect.poll(focusedItem).toBe('Export as HTML');
	await page.keyboard.press('End');
	await expect.poll(focusedItem).toBe('Move to trash');
	await page.keyboard.press('ArrowDown');
	await expect.poll(focusedItem).toBe('Export as Markdown');
	await page.keyboard.press('ArrowUp');
	await expect.poll(focusedItem).toBe('Move to trash');
	await page.keyboard.press('Home');
	await expect.poll(focusedItem).toBe('Export as Markdown');

	// Escape closes and gives focus back to the trigger.
	await page.keyboard.press('Escape');
	await expect(menu).toBeHidden();
	await expect(trigger).toBeFocused();
	await expect(trigger).toHaveAttribute('aria-expanded', 'false');

	// Tab closes and moves on from the trigger, as if the menu had not been open.
	await page.keyboard.press('Space');
	await expect(menu).toBeVisible();
	await page.keyboard.press('Tab');
	await expect(menu).toBeHidden();
	await expect(trigger).not.toBeFocused();
	await expect(page.locator(':focus')).toHaveCount(1);

	// A click outside closes.
	await trigger.click();
	await expect(menu).toBeVisible();
	await page.mouse.click(5, 5);
	await expect(menu).toBeHidden();

	// Enter on an item runs it: the page goes to the trash.
	await trigger.focus();
	await page.keyboard.press('Enter');
	await page.keyboard.press('End');
	await expect.poll(focusedItem).toBe('Move to trash');
	await page.keyboard.press('Enter');
	await expect(menu).toBeHidden();
	await expect(treeItem(page, 'First')).toBeHidden();

	// The tree's row menu opens with Shift+F10 and hands focus back to its row on Escape (the
	// row, not its button, is the tree's tab stop).
	await page.getByRole('button', { name: 'New page' }).click();
	await titleInput(page).fill('Second');
	await treeItem(page, 'Second').focus();
	await page.keyboard.press('Shift+F10');
	const rowMenu = page.getByRole('menu', { name: 'Actions for Second' });
	await expect(rowMenu).toBeVisible();
	await expect.poll(focusedItem).toBe('Add page inside');
	await expect(rowMenu.getByRole('menuitem', { name: 'Rename' })).toHaveAttribute(
		'aria-keyshortcuts',
		'F2'
	);
	await page.keyboard.press('Escape');
	await expect(rowMenu).toBeHidden();
	await expect(treeItem(page, 'Second')).toBeFocused();
});
