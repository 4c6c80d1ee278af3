// Takes the README's screenshots of the built app: node scripts/screenshots.js
// (run `npm run build` first). Writes docs/screenshots/*.png.
import { chromium } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { chromiumArgs } from './chromium.js';
import { serve } from './serve.js';

const port = 4398;
const origin = `http://127.0.0.1:${port}`;
const out = 'docs/screenshots';
mkdirSync(out, { recursive: true });
const server = await serve({ root: 'build', port, quiet: true });
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: chromiumArgs });

async function shoot(name, { width, height, dark }) {
	const context = await browser.newContext({
		viewport: { width, height },
		colorScheme: dark ? 'dark' : 'light',
		deviceScaleFactor: 1
	});
	const page = await context.newPage();
	// At phone width the page list is a drawer behind the menu button.
	const sidebar = async () => {
		const toggle = page.getByRole('button', { name: 'Show pages' });
		if (await toggle.isVisible()) {
			await toggle.click();
			await page.waitForTimeout(250);
		}
	};
	await page.goto(`${origin}/`);
	for (const space of ['Research notes', 'Trip to Lisbon']) {
		await page.getByRole('button', { name: 'New space' }).click();
		await page.getByRole('dialog').getByLabel('Name').fill(space);
		await page.getByRole('button', { name: 'Create', exact: true }).click();
		await page.waitForURL(/space/);
		if (space === 'Trip to Lisbon') break;
		await page.goto(`${origin}/`);
	}
	const title = page.locator('input.title');
	await title.fill('Itinerary');
	const editor = page.getByRole('textbox', { name: 'Page content' });
	await editor.click();
	await page.keyboard.type('## Day one\nLand at noon, check in near ');
	await page.keyboard.press('Control+b');
	await page.keyboard.type('Alfama');
	await page.keyboard.press('Control+b');
	await page.keyboard.type(
		'.\n[ ] Book the tram tour\nPastéis de nata at Belém\n\n> Bring a light jacket for the evenings.\n\n## Budget\n'
	);
	await page.keyboard.type('/table');
	await page.keyboard.press('Enter');
	for (const cell of ['Item', 'Cost', '', 'Flights', '€240', '', 'Hotel', '€380']) {
		await page.keyboard.type(cell);
		await page.keyboard.press('Tab');
	}
	for (const name of ['Packing list', 'Restaurants', 'Photos']) {
		await sidebar();
		await page.getByRole('button', { name: 'New page' }).click();
		await title.fill(name);
	}
	await sidebar();
	await page.getByRole('treeitem', { name: 'Restaurants' }).focus();
	await page.keyboard.press('Alt+Shift+ArrowRight');
	await page.getByRole('treeitem', { name: 'Itinerary' }).click();
	await editor.click();
	await page.keyboard.press('Control+Home');
	await page.evaluate(() => document.querySelector('.main')?.scrollTo(0, 0));
	await page.mouse.move(0, 0);
	await page.waitForTimeout(300);
	await page.screenshot({ path: `${out}/${name}.png` });
	if (name === 'editor') {
		await page.goto(`${origin}/`);
		await page.getByRole('link', { name: /Research notes/ }).waitFor();
		await page.screenshot({ path: `${out}/home.png` });
	}
	if (name === 'phone') {
		await page.getByRole('button', { name: 'Show pages' }).click();
		await page.waitForTimeout(300);
		await page.screenshot({ path: `${out}/phone-pages.png` });
	}
	await context.close();
}

try {
	await shoot('editor', { width: 1280, height: 800 });
	await shoot('dark', { width: 1280, height: 800, dark: true });
	await shoot('phone', { width: 390, height: 844 });
} finally {
	await browser.close();
	server.close();
}
console.log(`screenshots written to ${out}/`);
