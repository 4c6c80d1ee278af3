import { expect, test, type Download } from '@playwright/test';
import { strFromU8, unzipSync } from 'fflate';
import { readFileSync } from 'node:fs';
import { createSpace, editor, newPage, titleInput } from './helpers';

const read = async (download: Download) => readFileSync((await download.path()) as string);

test('a page exports as Markdown and HTML, a space as a zip of Markdown files', async ({
	page
}) => {
	await createSpace(page, 'Exports');
	await titleInput(page).fill('Recipe');
	await editor(page).click();
	await page.keyboard.type('## Ingredients\n- flour\nwater\n\n[ ] knead');
	await newPage(page, 'Other');
	await page.getByRole('treeitem', { name: 'Recipe' }).click();
	await expect(editor(page).locator('h2')).toHaveText('Ingredients');

	await page.getByRole('button', { name: 'Page actions' }).click();
	const [markdown] = await Promise.all([
		page.waitForEvent('download'),
		page.getByRole('menuitem', { name: 'Export as Markdown' }).click()
	]);
	expect(markdown.suggestedFilename()).toBe('Recipe.md');
	expect((await read(markdown)).toString()).toBe(
		'# Recipe\n\n## Ingredients\n\n- flour\n- water\n\n- [ ] knead\n'
	);

	await page.getByRole('button', { name: 'Page actions' }).click();
	const [html] = await Promise.all([
		page.waitForEvent('download'),
		page.getByRole('menuitem', { name: 'Export as HTML' }).click()
	]);
	expect(html.suggestedFilename()).toBe('Recipe.html');
	const text = (await read(html)).toString();
	expect(text).toContain('<title>Recipe</title>');
	expect(text).toContain('<h2>Ingredients</h2>');
	expect(text).toContain('<li><p>flour</p></li>');

	const [zip] = await Promise.all([
		page.waitForEvent('download'),
		page.getByRole('button', { name: 'Export space (.zip)' }).click()
	]);
	expect(zip.suggestedFilename()).toBe('Exports.zip');
	const files = unzipSync(new Uint8Array(await read(zip)));
	expect(Object.keys(files).sort()).toEqual(['Exports/Other.md', 'Exports/Recipe.md']);
	expect(strFromU8(files['Exports/Other.md'] as Uint8Array)).toBe('# Other\n');
});

test('a failed space export says why in the sidebar, never in a browser alert', async ({
	page
}) => {
	const alerts: string[] = [];
	page.on('dialog', (dialog) => {
		alerts.push(dialog.message());
		void dialog.dismiss();
	});
	await createSpace(page, 'Blocked');
	// The download step fails as it would where a browser policy blocks downloads.
	await page.evaluate(() => {
		URL.createObjectURL = () => {
			throw new Error('Downloads are blocked in this browser.');
		};
	});
	await page.getByRole('button', { name: 'Export space (.zip)' }).click();
	const problem = page.getByRole('navigation', { name: 'Space' }).getByRole('alert');
	await expect(problem).toHaveText(/The export failed: Downloads are blocked in this browser\./);
	await expect(page.getByRole('button', { name: 'Export space (.zip)' })).toBeEnabled();
	await problem.getByRole('button', { name: 'Dismiss' }).click();
	await expect(problem).toBeHidden();
	expect(alerts).toEqual([]);
});
