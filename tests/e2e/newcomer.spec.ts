// What a newcomer's walk through the app found (helper review, 2026-11-27): long titles, a new
// page's cursor, and links in an editor that can be typed in.
import { expect, test } from '@playwright/test';
import { createSpace, editor, titleInput, tree, treeItem } from './helpers';

const LONG = 'Belém area with a really long name that should truncate nicely in the sidebar';

test('a new page takes what is typed as its title; a long one wraps and never widens the sidebar', async ({
	page
}) => {
	await createSpace(page, 'Lisbon trip');
	// A new space's first page is blank: the cursor is already in its title.
	await expect(titleInput(page)).toBeFocused();
	await page.keyboard.type('Itinerary');
	await expect(treeItem(page, 'Itinerary')).toBeVisible();

	await page.getByRole('button', { name: 'New page' }).click();
	await expect(titleInput(page)).toBeFocused();
	await page.keyboard.type(LONG);
	await expect(treeItem(page, LONG)).toBeVisible();

	// The title field wraps: it grows taller, and its start stays in view.
	const field = await titleInput(page).evaluate((el) => ({
		height: el.clientHeight,
		scrollHeight: el.scrollHeight,
		scrollLeft: el.scrollLeft
	}));
	expect(field.scrollHeight).toBeLessThanOrEqual(field.height + 1);
	expect(field.scrollLeft).toBe(0);
	expect(field.height).toBeGreaterThan(60); // two lines of the title's size
	// Enter goes on to the page rather than breaking the title.
	await page.keyboard.press('Enter');
	await expect(editor(page)).toBeFocused();
	await expect(titleInput(page)).toHaveValue(LONG);

	// The sidebar cuts the title short: the list never scrolls sideways, other rows keep theirs.
	const pages = page.locator('.sidebar .pages');
	const sideways = await pages.evaluate((el) => el.scrollWidth - el.clientWidth);
	expect(sideways).toBeLessThanOrEqual(0);
	await treeItem(page, LONG).click();
	expect(await pages.evaluate((el) => el.scrollLeft)).toBe(0);
	await expect(treeItem(page, 'Itinerary')).toBeInViewport();

	// In the trash too: the row stays in the sidebar and Restore takes a click.
	await treeItem(page, LONG).hover();
	await page.getByRole('button', { name: `Actions for ${LONG}` }).click();
	await page.getByRole('menuitem', { name: /Move to trash/ }).click();
	await page.getByRole('button', { name: /^Trash/ }).click();
	const trash = page.getByRole('region', { name: 'Trash' });
	const restore = trash.getByRole('button', { name: /Restore/ });
	const box = await restore.boundingBox();
	const sidebar = await page.locator('.sidebar').boundingBox();
	expect(box!.x + box!.width).toBeLessThanOrEqual(sidebar!.x + sidebar!.width);
	await restore.click();
	await expect(treeItem(page, LONG)).toBeVisible();
	await expect(tree(page).getByRole('treeitem')).toHaveCount(2);
});

test('in an editor that can be typed in, Ctrl+click or Alt+Enter opens a link in a new tab', async ({
	page,
	context
}) => {
	// Nothing leaves the machine: the link's page is answered here.
	await context.route('https://example.org/**', (route) =>
		route.fulfill({ contentType: 'text/html', body: '<title>Guide</title>' })
	);
	await createSpace(page, 'Links');
	await editor(page).click();
	await page.keyboard.type('See the site');
	await page.keyboard.press('Shift+ArrowLeft');
	await page.keyboard.press('Shift+ArrowLeft');
	await page.keyboard.press('Shift+ArrowLeft');
	await page.keyboard.press('Shift+ArrowLeft');
	await page.keyboard.press('Control+k');
	await page.getByRole('dialog').getByLabel('Address').fill('example.org/guide');
	await page.getByRole('button', { name: 'Apply' }).click();
	const link = editor(page).locator('a');
	await expect(link).toHaveText('site');

	// A plain click places the cursor and opens nothing.
	let opened = 0;
	context.on('page', () => opened++);
	await link.click();
	await page.waitForTimeout(300);
	expect(opened).toBe(0);

	const [tab] = await Promise.all([
		context.waitForEvent('page'),
		link.click({ modifiers: ['Control'] })
	]);
	await expect.poll(() => tab.url()).toContain('https://example.org/guide');
	await tab.close();

	await link.click();
	const [again] = await Promise.all([
		context.waitForEvent('page'),
		page.keyboard.press('Alt+Enter')
	]);
	await expect.poll(() => again.url()).toContain('https://example.org/guide');
	await again.close();
	// Nothing was typed into the page by any of it.
	await expect(editor(page)).toHaveText('See the site');
});

test('the sync line says "Offline" as soon as the browser is, and stops when it is back', async ({
	page,
	context
}) => {
	await createSpace(page, 'Away');
	const line = page.getByTestId('sync-status');
	await expect(line).not.toHaveText('Offline');
	await context.setOffline(true);
	await expect(line).toHaveText('Offline', { timeout: 2_000 });
	await titleInput(page).fill('Written offline');
	await context.setOffline(false);
	await expect(line).not.toHaveText('Offline', { timeout: 2_000 });
	await expect(treeItem(page, 'Written offline')).toBeVisible();
});

test('moving a page to the trash says so and offers Undo', async ({ page }) => {
	await createSpace(page, 'Undo');
	await page.keyboard.type('Keep me');
	await treeItem(page, 'Keep me').hover();
	await page.getByRole('button', { name: 'Actions for Keep me' }).click();
	await page.getByRole('menuitem', { name: /Move to trash/ }).click();
	const toast = page.getByRole('status').filter({ hasText: '“Keep me” moved to the trash' });
	await expect(toast).toBeVisible();
	await expect(treeItem(page, 'Keep me')).toHaveCount(0);
	await toast.getByRole('button', { name: 'Undo' }).click();
	await expect(treeItem(page, 'Keep me')).toBeVisible();
	await expect(titleInput(page)).toHaveValue('Keep me');
	await expect(toast).toHaveCount(0);
});

test('inside a list or a code block, the block menu names it', async ({ page }) => {
	await createSpace(page, 'Blocks');
	await editor(page).click();
	const kind = page.getByRole('combobox', { name: 'Block type' });
	await page.keyboard.type('- one');
	await expect(kind.locator('option:checked')).toHaveText('Bulleted list');
	await page.keyboard.press('Enter');
	await page.keyboard.press('Enter');
	await page.keyboard.type('```');
	await page.keyboard.type(' x');
	await expect(kind.locator('option:checked')).toHaveText('Code block');
});

test('Settings: a server row just added takes what is typed', async ({ page }) => {
	await page.goto('./settings/');
	const add = page.getByRole('button', { name: 'Add signaling server' });
	await add.click();
	await page.keyboard.type('not a url');
	const fields = page.getByLabel(/^Signaling server \d+$/);
	await expect(fields.last()).toHaveValue('not a url');
	await expect(fields.last()).toBeFocused();
});

test.describe('on a phone', () => {
	test.use({ viewport: { width: 390, height: 844 } });

	test('the page list opens with the keyboard in it, and Escape closes it', async ({ page }) => {
		await createSpace(page, 'Pocket');
		await page.keyboard.type('Only page');
		const show = page.getByRole('button', { name: /Show pages/ });
		await show.click();
		await expect(treeItem(page, 'Only page')).toBeFocused();
		await page.keyboard.press('Escape');
		await expect(show).toBeFocused();
		await expect(treeItem(page, 'Only page')).not.toBeInViewport();
	});
});

test('a shortcut right after Shift+arrows acts on the whole selection on screen', async ({
	page
}) => {
	await createSpace(page, 'Fast keys');
	await editor(page).click();
	// Keys as fast as the browser takes them: the selection on screen runs ahead of the
	// editor's, which it reads when the browser says so (before: "te" of "site" made bold).
	for (let round = 0; round < 6; round++) {
		await page.keyboard.type(`site word${round}`);
		await page.keyboard.press('Home');
		for (let i = 0; i < 4; i++) await page.keyboard.press('Shift+ArrowRight');
		await page.keyboard.press('Control+b');
		await page.keyboard.press('End');
		await page.keyboard.press('Enter');
	}
	await expect(editor(page).locator('strong')).toHaveText(Array(6).fill('site'));
});
