import { expect, test } from '@playwright/test';
import { createSpace, newPage, titleInput, tree, treeItem, treeOutline } from './helpers';

test('pages nest, move and reorder by keyboard, menu and drag and drop, and it all persists', async ({
	page
}) => {
	await createSpace(page, 'Tree');
	await titleInput(page).fill('Alpha');
	await newPage(page, 'Beta');
	await newPage(page, 'Gamma');
	expect(await treeOutline(page)).toEqual(['Alpha', 'Beta', 'Gamma']);

	// Keyboard: Alt+Shift+Up moves a page up; Alt+Shift+Right nests it under the page above.
	await treeItem(page, 'Gamma').focus();
	await page.keyboard.press('Alt+Shift+ArrowUp');
	await expect.poll(() => treeOutline(page)).toEqual(['Alpha', 'Gamma', 'Beta']);
	await expect(treeItem(page, 'Gamma')).toBeFocused();
	await page.keyboard.press('Alt+Shift+ArrowRight');
	await expect.poll(() => treeOutline(page)).toEqual(['Alpha', '  Gamma', 'Beta']);

	// Arrow keys walk the tree; Left collapses a parent.
	await page.keyboard.press('ArrowUp');
	await expect(treeItem(page, 'Alpha')).toBeFocused();
	await page.keyboard.press('ArrowLeft');
	await expect(treeItem(page, 'Alpha')).toHaveAttribute('aria-expanded', 'false');
	expect(await treeOutline(page)).toEqual(['Alpha', 'Beta']);
	await page.keyboard.press('ArrowRight');
	await expect(treeItem(page, 'Alpha')).toHaveAttribute('aria-expanded', 'true');

	// Menu: move Gamma out of its parent again.
	await treeItem(page, 'Gamma').hover();
	await page.getByRole('button', { name: 'Actions for Gamma' }).click();
	await page.getByRole('menuitem', { name: /Move out of parent/ }).click();
	await expect.poll(() => treeOutline(page)).toEqual(['Alpha', 'Gamma', 'Beta']);

	// Rename from the tree with F2.
	await treeItem(page, 'Beta').focus();
	await page.keyboard.press('F2');
	await tree(page).getByRole('textbox', { name: 'Page title' }).fill('Beta two');
	await page.keyboard.press('Enter');
	await expect(treeItem(page, 'Beta two')).toBeVisible();

	// Drag and drop: Beta two into the middle of Alpha (nest), then Gamma above Alpha.
	await treeItem(page, 'Beta two').dragTo(treeItem(page, 'Alpha'));
	await expect.poll(() => treeOutline(page)).toEqual(['Alpha', '  Beta two', 'Gamma']);
	await treeItem(page, 'Gamma').dragTo(treeItem(page, 'Alpha'), {
		targetPosition: { x: 40, y: 2 }
	});
	await expect.poll(() => treeOutline(page)).toEqual(['Gamma', 'Alpha', '  Beta two']);

	// A page cannot be dropped into its own child.
	await treeItem(page, 'Alpha').dragTo(treeItem(page, 'Beta two'));
	await expect.poll(() => treeOutline(page)).toEqual(['Gamma', 'Alpha', '  Beta two']);

	await page.reload();
	await expect.poll(() => treeOutline(page)).toEqual(['Gamma', 'Alpha', '  Beta two']);
});

test('trash hides a page with its sub-pages; restore brings them back', async ({ page }) => {
	await createSpace(page, 'Bin test');
	await titleInput(page).fill('Keep');
	await newPage(page, 'Parent');
	await treeItem(page, 'Parent').hover();
	await page.getByRole('button', { name: 'Add a page inside Parent' }).click();
	await titleInput(page).fill('Child');
	await expect.poll(() => treeOutline(page)).toEqual(['Keep', 'Parent', '  Child']);

	await treeItem(page, 'Parent').focus();
	await page.keyboard.press('Delete');
	await expect.poll(() => treeOutline(page)).toEqual(['Keep']);
	await page.getByRole('button', { name: /^Trash/ }).click();
	const trash = page.getByRole('region', { name: 'Trash' });
	await expect(trash.getByRole('listitem')).toHaveCount(1);
	await expect(trash).toContainText('Parent');

	await page.reload();
	await expect.poll(() => treeOutline(page)).toEqual(['Keep']);
	await page.getByRole('button', { name: /^Trash/ }).click();
	await page.getByRole('button', { name: 'Restore Parent' }).click();
	await expect.poll(() => treeOutline(page)).toEqual(['Keep', 'Parent', '  Child']);
	await expect(titleInput(page)).toHaveValue('Parent');

	// Delete for good, with confirmation.
	await treeItem(page, 'Keep').hover();
	await page.getByRole('button', { name: 'Actions for Keep' }).click();
	await page.getByRole('menuitem', { name: /Move to trash/ }).click();
	await page.getByRole('button', { name: 'Delete Keep for good' }).click();
	await page.getByRole('button', { name: 'Delete for good' }).click();
	await expect(page.getByRole('region', { name: 'Trash' })).toContainText('The trash is empty.');
	await expect.poll(() => treeOutline(page)).toEqual(['Parent', '  Child']);
});
