// `npm run bench`: measures the built app and its core in Chromium, prints a table and writes
// bench/results/latest.json as [{ name, value, unit, target, baseline? }].
import { chromium } from '@playwright/test';
import { mkdirSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { existsSync } from 'node:fs';
import { build, createServer } from 'vite';
import { chromiumArgs } from '../scripts/chromium.js';
import { serve } from '../scripts/serve.js';
import { must } from '../scripts/setup.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const PORT = Number(process.env.BENCH_PORT ?? 4399);
const origin = `http://127.0.0.1:${PORT}`;

if (process.env.BENCH_BUILD !== '0')
	must('npx', ['vite', 'build', '--logLevel', 'warn'], 'The build');
// The in-browser benchmarks, bundled next to the app but never part of it.
await build({
	configFile: false,
	logLevel: 'warn',
	build: {
		outDir: 'build/__bench',
		emptyOutDir: true,
		target: 'es2022',
		lib: { entry: 'bench/browser.ts', formats: ['es'], fileName: () => 'bench.js' }
	}
});
writeFileSync(
	'build/__bench/index.html',
	'<!doctype html><meta charset="utf-8"><script type="module">import * as bench from "./bench.js"; window.bench = bench; window.benchReady = true;</script>'
);

const server = await serve({ root: 'build', port: PORT, quiet: true });
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: chromiumArgs });
const results = [];
const round = (value, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

/** A fresh page with the bench bundle loaded. */
async function benchPage() {
	const context = await browser.newContext({ serviceWorkers: 'block' });
	const page = await context.newPage();
	await page.goto(`${origin}/__bench/index.html`);
	await page.waitForFunction(() => window.benchReady === true);
	return { context, page };
}

try {
	results.push(...(await firstLoadJs()));
	results.push(await coldOpenMetric());
	results.push(...(await cryptoMetrics()));
	results.push(...(await traceMetrics()));
} finally {
	await browser.close();
	server.close();
}

mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/latest.json', JSON.stringify(results, null, '\t') + '\n');
printTable(results);

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

async function coldOpen(name, pages, bytes, secret) {
	const { context, page } = await benchPage();
	const { topic } = await page.evaluate(
		(args) => window.bench.seedSpace(...args),
		[name, pages, bytes, secret]
	);
	await page.close();
	const times = [];
	for (let run = 0; run < RUNS; run++) {
		const tab = await context.newPage();
		await tab.goto(`${origin}/space/?id=${topic}`);
		times.push(
			await tab.evaluate(
				(count) =>
					new Promise((resolve) => {
						const ready = () =>
							document.querySelector('.ProseMirror[contenteditable="true"]') &&
							document.querySelectorAll('[role="treeitem"]').length >= count;
						const check = () =>
							ready() ? resolve(performance.now()) : requestAnimationFrame(check);
						check();
					}),
				pages
			)
		);
		await tab.close();
	}
	await context.close();
	return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

async function coldOpenMetric() {
	const big = await coldOpen('Benchmark', 200, 1_000_000, '11'.repeat(32));
	const small = await coldOpen('Baseline', 1, 0, '22'.repeat(32));
	return {
		name: 'cold open: 200 pages, 1 MB text, sealed → first editable page (median)',
		value: round(big),
		unit: 'ms',
		target: 500,
		baseline: round(small),
		baselineName: 'cold open of a 1-page empty space'
	};
}

async function cryptoMetrics() {
	const { context, page } = await benchPage();
	const out = [];
	const seal = await page.evaluate(() => window.bench.sealKeystroke(2000));
	out.push(
		{
			name: 'seal + sign a keystroke update, p50 of 10-seal batches (WebCrypto)',
			value: round(seal.webcrypto.p50, 3),
			unit: 'ms',
			target: null,
			baseline: round(seal.tweetnacl.p50, 3),
			baselineName: 'tweetnacl signing'
		},
		{
			name: 'seal + sign a keystroke update, p99 of 10-seal batches (WebCrypto)',
			value: round(seal.webcrypto.p99, 3),
			unit: 'ms',
			target: 1,
			baseline: round(seal.tweetnacl.p99, 3),
			baselineName: 'tweetnacl signing'
		}
	);
	const open = await page.evaluate(() => window.bench.openLog(1000));
	out.push({
		name: 'open + verify a 1,000-entry log',
		value: round(open.ms),
		unit: 'ms',
		target: 150,
		baseline: round(open.plainMs),
		baselineName: 'the same updates applied as plaintext'
	});
	const compaction = await page.evaluate(() => window.bench.compaction());
	out.push({
		name: `compaction of a 1 MB space (${compaction.before.entries} → ${compaction.after.entries} entries, ${compaction.before.bytes} → ${compaction.after.bytes} B)`,
		value: round(compaction.ms),
		unit: 'ms',
		target: null
	});
	await context.close();
	return out;
}

/** In Node: see bench/trace.ts for what is and is not measured. */
async function traceMetrics() {
	const path = new URL('../../shared/traces/automerge-paper.json.gz', import.meta.url).pathname;
	if (!existsSync(path)) {
		console.warn(`No trace at ${path}: skipping the trace benchmark.`);
		return [];
	}
	const vite = await createServer({
		configFile: false,
		logLevel: 'error',
		server: { middlewareMode: true },
		appType: 'custom'
	});
	try {
		const { runTrace } = await vite.ssrLoadModule('/bench/trace.ts');
		const trace = await runTrace(path);
		return [
			{
				name: `automerge-paper trace, ${trace.edits} edits → ${trace.entries} envelopes, compacted: time (Node)`,
				value: round(trace.sealedMs),
				unit: 'ms',
				target: round(trace.plainMs * 1.5),
				baseline: round(trace.plainMs),
				baselineName: 'plain Yjs',
				ratio: round(trace.sealedMs / trace.plainMs, 2)
			},
			{
				name: 'automerge-paper trace: bytes stored after compaction',
				value: trace.sealedBytes,
				unit: 'B',
				target: Math.round(trace.plainBytes * 1.5),
				baseline: trace.plainBytes,
				baselineName: 'plain Yjs as y-indexeddb stores it after trimming',
				ratio: round(trace.sealedBytes / trace.plainBytes, 2)
			}
		];
	} finally {
		await vite.close();
	}
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
