// `npm run bench`: measures the built app in Chromium and prints a table; writes
// bench/results/latest.json as [{ name, value, unit, target, baseline? }].
import { chromium } from '@playwright/test';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { createServer } from 'vite';
import { chromiumArgs } from '../scripts/chromium.js';
import { serve } from '../scripts/serve.js';
import { must } from '../scripts/setup.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const PORT = Number(process.env.BENCH_PORT ?? 4399);
const origin = `http://127.0.0.1:${PORT}`;

if (!existsSync('build/index.html') || process.env.BENCH_BUILD !== '0') {
	must('npx', ['vite', 'build', '--logLevel', 'warn'], 'The build');
}

const vite = await createServer({
	configFile: false,
	logLevel: 'error',
	server: { middlewareMode: true },
	appType: 'custom'
});
const { buildSpace } = await vite.ssrLoadModule('/bench/seed.ts');
const big = buildSpace('Benchmark', 200, 1_000_000);
const small = buildSpace('Baseline', 1, 0);
await vite.close();

const server = await serve({ root: 'build', port: PORT, quiet: true });
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: chromiumArgs });
const results = [];

try {
	results.push(...(await firstLoadJs()));
	const coldBig = await coldOpen('bench-big', big, 200);
	const coldSmall = await coldOpen('bench-small', small, 1);
	results.push({
		name: 'cold open: 200 pages, 1 MB text → first editable page (median)',
		value: round(median(coldBig)),
		unit: 'ms',
		target: 500,
		baseline: round(median(coldSmall)),
		baselineName: 'cold open of a 1-page empty space',
		runs: coldBig.map(round),
		storedBytes: big.length
	});
} finally {
	await browser.close();
	server.close();
}

mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/latest.json', JSON.stringify(results, null, '\t') + '\n');
printTable(results);

/** Gzipped size of every script the browser fetches to show home, and to open a space. */
async function firstLoadJs() {
	const measure = async (path) => {
		const context = await browser.newContext({ serviceWorkers: 'block' });
		const page = await context.newPage();
		let bytes = 0;
		const pending = [];
		page.on('response', (response) => {
			if (response.request().resourceType() !== 'script') return;
			pending.push(response.body().then((body) => (bytes += gzipSync(body, { level: 9 }).length)));
		});
		await page.goto(`${origin}${path}`, { waitUntil: 'networkidle' });
		await Promise.all(pending);
		await context.close();
		return bytes / 1024;
	};
	return [
		{
			name: 'JS on first load (home), gzipped',
			value: round(await measure('/')),
			unit: 'KB',
			target: 180
		},
		{
			name: 'JS to open a space with the editor, gzipped',
			value: round(await measure('/space/?id=missing')),
			unit: 'KB',
			target: null
		}
	];
}

/** Seeds a space into IndexedDB, then times fresh page loads until its first page is editable. */
async function coldOpen(id, update, pageCount) {
	const context = await browser.newContext({ serviceWorkers: 'block' });
	const seed = await context.newPage();
	await seed.goto(`${origin}/settings/`);
	await seed.evaluate(
		async ({ id, bytes }) => {
			const open = (name, upgrade) =>
				new Promise((resolve, reject) => {
					const request = indexedDB.open(name, 1);
					request.onupgradeneeded = () => upgrade(request.result);
					request.onsuccess = () => resolve(request.result);
					request.onerror = () => reject(request.error);
				});
			const put = (db, store, value, key) =>
				new Promise((resolve, reject) => {
					const tx = db.transaction(store, 'readwrite');
					tx.objectStore(store).put(value, key);
					tx.oncomplete = resolve;
					tx.onerror = () => reject(tx.error);
				});
			const space = await open(`cp-space-${id}`, (db) => {
				db.createObjectStore('updates', { autoIncrement: true });
				db.createObjectStore('custom');
			});
			await put(space, 'updates', new Uint8Array(bytes));
			space.close();
			const keyring = await open('commonplace', (db) =>
				db.createObjectStore('spaces', { keyPath: 'id' })
			);
			await put(keyring, 'spaces', { id, name: id, created: Date.now(), updated: Date.now() });
			keyring.close();
		},
		{ id, bytes: [...update] }
	);
	await seed.close();
	const times = [];
	for (let run = 0; run < RUNS; run++) {
		const page = await context.newPage();
		if (process.env.BENCH_TRACE)
			page.on('console', (m) => m.text().startsWith('T ') && console.log(m.text()));
		await page.goto(`${origin}/space/?id=${id}`);
		const ms = await page.evaluate(
			(count) =>
				new Promise((resolve) => {
					const ready = () =>
						document.querySelector('.ProseMirror[contenteditable="true"]') &&
						document.querySelectorAll('[role="treeitem"]').length >= count;
					const check = () => (ready() ? resolve(performance.now()) : requestAnimationFrame(check));
					check();
				}),
			// The first page's children are expanded, so all pages are rows in the tree.
			pageCount
		);
		times.push(ms);
		await page.close();
	}
	await context.close();
	return times;
}

function median(values) {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.floor(sorted.length / 2)];
}

function round(value) {
	return Math.round(value * 10) / 10;
}

function printTable(rows) {
	const lines = rows.map((r) => [
		r.name,
		`${r.value} ${r.unit}`,
		r.target === null ? '—' : `≤ ${r.target} ${r.unit}`,
		r.baseline === undefined ? '—' : `${r.baseline} ${r.unit}`,
		r.target === null ? 'info' : r.value <= r.target ? 'ok' : 'OVER'
	]);
	const head = ['metric', 'value', 'target', 'baseline', ''];
	const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => String(l[i]).length)));
	const fmt = (cells) => cells.map((c, i) => String(c).padEnd(widths[i])).join('  ');
	console.log(fmt(head));
	console.log(widths.map((w) => '─'.repeat(w)).join('  '));
	for (const line of lines) console.log(fmt(line));
	console.log('\nwritten to bench/results/latest.json');
}
