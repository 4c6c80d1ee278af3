// Renders the app icons (static/icons/*.png) from static/favicon.svg with Chromium.
// Run by hand after changing the logo: node scripts/make-icons.js
import { chromium } from '@playwright/test';
import { readFileSync } from 'node:fs';

const svg = readFileSync(new URL('../static/favicon.svg', import.meta.url), 'utf8');
const browser = await chromium.launch({
	executablePath: '/usr/bin/chromium',
	args: ['--headless', '--no-sandbox', '--disable-gpu']
});
const page = await browser.newPage();
const render = async (file, size, maskable) => {
	await page.setViewportSize({ width: size, height: size });
	// A maskable icon keeps its content inside the central 80% safe zone on a full-bleed background.
	const inner = maskable
		? `<div style="width:100%;height:100%;background:#2f6f5e;display:grid;place-items:center"><div style="width:66%;height:66%">${svg}</div></div>`
		: svg;
	await page.setContent(
		`<style>html,body{margin:0;background:transparent}svg{width:100%;height:100%;display:block}</style>${inner}`
	);
	await page.screenshot({
		path: new URL(`../static/icons/${file}`, import.meta.url).pathname,
		omitBackground: true
	});
};
await render('icon-192.png', 192, false);
await render('icon-512.png', 512, false);
await render('icon-maskable-512.png', 512, true);
await browser.close();
console.log('icons written to static/icons/');
