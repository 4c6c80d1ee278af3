import { chromium, expect, test } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromiumArgs } from '../../playwright.config';
import {
	createSpace,
	editor,
	newPage,
	titleInput,
	treeItem,
	waitForServiceWorker
} from './helpers';
import { text } from './peers';

test('a browser restart keeps every space and page', async ({ baseURL }) => {
	const profile = mkdtempSync(join(tmpdir(), 'cp-profile-'));
	const launch = () =>
		chromium.launchPersistentContext(profile, {
			executablePath: '/usr/bin/chromium',
			args: chromiumArgs,
			baseURL
		});
	try {
		let context = await launch();
		let page = context.pages()[0] ?? (await context.newPage());
		await createSpace(page, 'Survives restarts');
		await titleInput(page).fill('Diary');
		await editor(page).click();
		await page.keyboard.type('Dear diary, today I restarted my browser.');
		await newPage(page, 'Second');
		await context.close();

		context = await launch();
		page = context.pages()[0] ?? (await context.newPage());
		await page.goto('./');
		await page.getByRole('link', { name: /Survives restarts/ }).click();
		await treeItem(page, 'Diary').click();
		await expect(editor(page)).toHaveText('Dear diary, today I restarted my browser.');
		await expect(treeItem(page, 'Second')).toBeVisible();
		await context.close();
	} finally {
		rmSync(profile, { recursive: true, force: true });
	}
});

test('with no network the app and its content load, and editing works', async ({
	page,
	context
}) => {
	await createSpace(page, 'Offline');
	await editor(page).click();
	await page.keyboard.type('written online');
	await waitForServiceWorker(page);
	const url = page.url();

	await context.setOffline(true);
	await page.goto('./');
	await expect(page.getByRole('link', { name: /Offline/ })).toBeVisible();
	await page.goto(url);
	await expect(editor(page)).toHaveText('written online');
	await editor(page).click();
	await page.keyboard.press('End');
	await page.keyboard.type(', and offline');
	await page.reload();
	await expect(editor(page)).toHaveText('written online, and offline');
	await page.goto('./settings/');
	await expect(page.getByRole('heading', { name: 'Settings' })).toBeVisible();
});

test('two tabs of the same space stay in sync', async ({ page, context }) => {
	await createSpace(page, 'Two tabs');
	await titleInput(page).fill('Shared');
	const other = await context.newPage();
	await other.goto(page.url());
	await expect(editor(other)).toBeVisible();

	await editor(page).click();
	await page.keyboard.type('from the first tab');
	// The other tab shows this one's caret (with its name), so compare the text alone.
	await expect.poll(() => text(other)).toBe('from the first tab');
	// The first tab's caret shows in the second, marked as this browser's own.
	await expect(other.locator('.remote-caret-label')).toHaveText(/\(other tab\)$/);
	await expect(other.getByTestId('peer')).toHaveCount(0);
	await editor(other).click();
	await other.keyboard.press('End');
	await other.keyboard.type(' and the second');
	await expect.poll(() => text(page)).toBe('from the first tab and the second');

	await newPage(other, 'Made in tab two');
	await expect(treeItem(page, 'Made in tab two')).toBeVisible();
	await page.getByRole('button', { name: /rename space/ }).click();
	await page.getByRole('dialog').getByLabel('Name').fill('Renamed in tab one');
	await page.getByRole('button', { name: 'Rename', exact: true }).click();
	await expect(other.getByRole('button', { name: /Renamed in tab one/ })).toBeVisible();
});

test('settings shows whether storage is persistent and how much is used', async ({ page }) => {
	await createSpace(page, 'Storage');
	await page.goto('./settings/');
	await expect(page.getByTestId('persisted')).toHaveText(/Granted|Not granted/);
	await expect(page.getByTestId('usage')).toHaveText(/\d+(\.\d)? (B|KB|MB|GB)/);
	await expect(page.getByRole('meter', { name: 'Storage used' })).toBeVisible();
});
