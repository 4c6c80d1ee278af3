import { expect, type Page } from '@playwright/test';

/** Creates a space from home and waits for its first page to be editable. */
export async function createSpace(page: Page, name: string): Promise<void> {
	await page.goto('./');
	await page.getByRole('button', { name: 'New space' }).click();
	await page.getByRole('dialog').getByLabel('Name').fill(name);
	await page.getByRole('button', { name: 'Create', exact: true }).click();
	await expect(page).toHaveURL(/\/space\/\?id=/);
	await expect(editor(page)).toBeVisible();
}

export const editor = (page: Page) => page.getByRole('textbox', { name: 'Page content' });
export const titleInput = (page: Page) => page.locator('textarea.title');
export const tree = (page: Page) => page.getByRole('tree', { name: 'Pages' });
export const treeItem = (page: Page, name: string) =>
	tree(page).getByRole('treeitem', { name, exact: true });

/** Titles in the sidebar, top to bottom, with their depth (1 = top level). */
export async function treeOutline(page: Page): Promise<string[]> {
	const items = tree(page).getByRole('treeitem');
	const out: string[] = [];
	for (const item of await items.all()) {
		const level = Number(await item.getAttribute('aria-level'));
		out.push(`${'  '.repeat(level - 1)}${await item.getAttribute('aria-label')}`);
	}
	return out;
}

export async function newPage(page: Page, title: string): Promise<void> {
	await page.getByRole('button', { name: 'New page' }).click();
	await expect(titleInput(page)).toHaveValue('');
	await titleInput(page).fill(title);
	await expect(treeItem(page, title)).toBeVisible();
}

/** Waits until the service worker controls the page, so it can open offline. */
export async function waitForServiceWorker(page: Page): Promise<void> {
	await page.evaluate(async () => {
		await navigator.serviceWorker.ready;
	});
}

/** Pastes `bytes` of varied text (lines of ~1 KB) into the editor as one paste. */
export async function pasteText(page: Page, bytes: number, seed: number) {
	await editor(page).click();
	await page.evaluate(
		([size, start]) => {
			let state = start;
			const words = ['amber', 'birch', 'cobalt', 'delta', 'ember', 'fjord', 'garnet', 'harbor'];
			const lines: string[] = [];
			let total = 0;
			while (total < size) {
				let line = `${lines.length}:`;
				while (line.length < 1000) {
					state = (state * 1103515245 + 12345) % 2147483648;
					line += ` ${words[state % words.length]}${state % 97}`;
				}
				lines.push(line);
				total += line.length + 1;
			}
			const data = new DataTransfer();
			data.setData('text/plain', lines.join('\n'));
			const target = document.querySelector('.ProseMirror') as HTMLElement;
			target.dispatchEvent(
				new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true })
			);
		},
		[bytes, seed] as const
	);
}
