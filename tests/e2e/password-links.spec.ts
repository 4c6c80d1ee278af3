// Password links can be attacked offline by whoever holds them, so the share dialog refuses weak
// passwords with a reason, offers a strong passphrase in one click, and loads its password
// checker only when the password part is used.
import { expect, test, type Page } from '@playwright/test';
import { createSpace } from './helpers';

/** Every script the page has fetched so far, by URL, with its text. */
function scriptsSeen(page: Page): Map<string, Promise<string>> {
	const seen = new Map<string, Promise<string>>();
	page.on('response', (response) => {
		if (response.url().endsWith('.js')) seen.set(response.url(), response.text());
	});
	return seen;
}

const holdsChecker = async (scripts: Map<string, Promise<string>>) =>
	(await Promise.all(scripts.values())).some((text) => text.includes('passwords-common'));

test('weak passwords are refused with a reason; a suggested passphrase protects the link', async ({
	page,
	browser,
	baseURL
}) => {
	const scripts = scriptsSeen(page);
	await createSpace(page, 'Letters');
	await page.getByRole('button', { name: 'Share', exact: true }).click();
	const dialog = page.getByRole('dialog');
	await expect(dialog.getByText('try passwords on their own computer')).toBeVisible();
	// The links and their QR codes need no password checker.
	await dialog.getByRole('button', { name: 'QR code of the view link' }).click();
	await expect(dialog.getByRole('img', { name: 'QR code of the view link' })).toBeVisible();
	expect(await holdsChecker(scripts)).toBe(false);

	const field = dialog.getByLabel('Protect with a password');
	const protect = dialog.getByRole('button', { name: 'Protect', exact: true });
	await field.fill('hunter2');
	await expect(dialog.getByText('Too short: use at least 12 characters.')).toBeVisible();
	await expect(protect).toBeDisabled();
	await field.fill('password1234');
	await expect(dialog.getByText(/^Too easy to guess/)).toBeVisible();
	await expect(field).toHaveAttribute('aria-invalid', 'true');
	await expect(protect).toBeDisabled();
	expect(await holdsChecker(scripts)).toBe(true);

	await dialog.getByRole('button', { name: 'Suggest a passphrase' }).click();
	await expect(field).toHaveAttribute('type', 'text');
	const passphrase = await field.inputValue();
	expect(passphrase).toMatch(/^[a-z]+(-[a-z]+){5}$/);
	await expect(dialog.getByText('Strong enough.')).toBeVisible();
	await dialog.getByRole('button', { name: 'Hide password' }).click();
	await expect(field).toHaveAttribute('type', 'password');

	// Keyboard only: from the field, Enter submits.
	await field.focus();
	await page.keyboard.press('Enter');
	const link = await dialog.getByLabel('Protected view link', { exact: true }).inputValue();
	expect(link).toMatch(/\/#p1\./);

	const bob = await browser.newContext({ baseURL });
	const bobPage = await bob.newPage();
	await bobPage.goto(link);
	const prompt = bobPage.getByRole('dialog', { name: 'This link is protected' });
	await prompt.getByLabel('Password').fill(passphrase);
	await prompt.getByRole('button', { name: 'Open' }).click();
	await expect(bobPage.getByText('View only')).toBeVisible();
	await bob.close();
});
