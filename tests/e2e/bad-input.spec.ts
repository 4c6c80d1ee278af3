import { expect, test, type Page } from '@playwright/test';
import { createSpace, editor, titleInput } from './helpers';

const spaceId = (page: Page) => new URL(page.url()).searchParams.get('id') as string;

test('damaged records: the app still opens, names the space, and keeps everything else', async ({
	page
}) => {
	await createSpace(page, 'Fragile');
	await titleInput(page).fill('Notes');
	await editor(page).click();
	await page.keyboard.type('this text must survive');
	const id = spaceId(page);

	// Damage the stored space: garbage bytes and a value of the wrong type among its records,
	// and a keyring entry that cannot be read.
	await page.evaluate(async (id) => {
		const open = (name: string) =>
			new Promise<IDBDatabase>((resolve, reject) => {
				const request = indexedDB.open(name);
				request.onsuccess = () => resolve(request.result);
				request.onerror = () => reject(request.error);
			});
		const write = (db: IDBDatabase, store: string, values: unknown[]) =>
			new Promise<void>((resolve, reject) => {
				const tx = db.transaction(store, 'readwrite');
				for (const value of values) tx.objectStore(store).add(value);
				tx.oncomplete = () => resolve();
				tx.onerror = () => reject(tx.error);
			});
		const space = await open(`cp-log-${id}`);
		await write(space, 'updates', [new Uint8Array([255, 1, 2, 3, 200, 201, 99]), 'not an update']);
		space.close();
		const keyring = await open('commonplace');
		await write(keyring, 'spaces', [{ id: 12345, name: { broken: true } }]);
		keyring.close();
	}, id);

	await page.reload();
	await expect(page.getByRole('alert')).toContainText('Part of “Fragile”');
	await expect(page.getByRole('alert')).toContainText('2 records');
	await expect(editor(page)).toHaveText('this text must survive');
	await expect(titleInput(page)).toHaveValue('Notes');
	// Still editable, and saved.
	await editor(page).click();
	await page.keyboard.press('End');
	await page.keyboard.type('!');
	await page.reload();
	await expect(editor(page)).toHaveText('this text must survive!');
	// The damaged records were set aside once, not left to fail every time.
	await expect(page.getByRole('alert')).toHaveCount(0);

	await page.goto('./');
	await expect(page.getByRole('link', { name: /Fragile/ })).toBeVisible();
	await expect(page.getByText('A space whose record is damaged')).toBeVisible();
});

test('an unknown space in the address says so and offers the way back', async ({ page }) => {
	await page.goto('./space/?id=nothing-here-at-all');
	await expect(page.getByRole('alert')).toContainText('This space is not on this device');
	await page.getByRole('link', { name: 'Back to your spaces' }).click();
	await expect(page.getByRole('heading', { name: 'Your spaces' })).toBeVisible();
});

test.describe('a full disk', () => {
	// Chromium applies a quota override to storage opened after it, so it is set before the app
	// first opens IndexedDB, and the precache (which also counts) is kept out of the way.
	test.use({ serviceWorkers: 'block' });

	test('a visible message, nothing already saved is lost, and saving resumes', async ({
		page,
		context,
		baseURL
	}) => {
		const cdp = await context.newCDPSession(page);
		const origin = new URL(baseURL as string).origin;
		await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 1_500_000 });
		await createSpace(page, 'Full disk');
		await editor(page).click();
		await page.keyboard.type('saved before the disk filled up.');
		await expect(page.getByText('Saved on this device')).toBeVisible();

		// A paste bigger than what is left: random text, so storage cannot compress it away.
		const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
		const big = Array.from({ length: 2_000_000 }, () => alphabet[Math.floor(Math.random() * 62)]);
		await page.keyboard.press('Enter');
		await page.keyboard.insertText(big.join(''));
		await expect(page.getByRole('alert')).toContainText("This device's storage is full");
		await expect(page.getByText('Not saved', { exact: true })).toBeVisible();
		// Non-blocking: typing still works while the message shows.
		await page.keyboard.press('Enter');
		await page.keyboard.type('typed while full');
		await expect(editor(page).locator('p').last()).toHaveText('typed while full');

		// Space comes back: the retry saves everything, including what was typed while full.
		await cdp.send('Storage.overrideQuotaForOrigin', { origin });
		await expect(page.getByRole('alert')).toHaveCount(0, { timeout: 15_000 });
		await expect(page.getByText('Saved on this device')).toBeVisible();
		await page.reload();
		const paragraphs = editor(page).locator('p');
		await expect(paragraphs).toHaveCount(3);
		await expect(paragraphs.first()).toHaveText('saved before the disk filled up.');
		await expect(paragraphs.last()).toHaveText('typed while full');
		expect(await paragraphs.nth(1).evaluate((p) => p.textContent?.length)).toBe(2_000_000);
	});
});
