// `npm run bench`: measures the built app and its core in Chromium, prints a table and writes
// bench/results/latest.json as [{ name, value, unit, target, baseline? }].
import { chromium } from '@playwright/test';
import { mkdirSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { existsSync } from 'node:fs';
import { svelte } from '@sveltejs/vite-plugin-svelte';
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
	},
	// The session's rune classes (*.svelte.ts) are compiled as the app compiles them.
	plugins: [svelte()]
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

/** A fresh context holding a space the bench bundle seeded (its page closed), and its topic. */
async function seededSpace(name, pages, bytes, secret) {
	const { context, page } = await benchPage();
	const { topic } = await page.evaluate(
		(args) => window.bench.seedSpace(...args),
		[name, pages, bytes, secret]
	);
	await page.close();
	return { context, topic };
}

try {
	// BENCH_ONLY=network (for example) runs some groups only, when working on one of them.
	const only = process.env.BENCH_ONLY?.split(',');
	const groups = {
		load: firstLoadJs,
		open: coldOpenMetric,
		keystroke: keystrokeMetrics,
		crypto: cryptoMetrics,
		trace: traceMetrics,
		hostile: hostileMetrics,
		network: networkMetrics,
		relay: relayMetrics,
		'relay-vs-ywebsocket': relayVsYWebsocket
	};
	for (const [group, run] of Object.entries(groups)) {
		if (!only || only.includes(group)) results.push(...[await run()].flat());
	}
} finally {
	await browser.close();
	server.close();
}

mkdirSync('bench/results', { recursive: true });
// A partial run (BENCH_ONLY) must not overwrite the full record.
const output = process.env.BENCH_ONLY ? 'bench/results/partial.json' : 'bench/results/latest.json';
writeFileSync(output, JSON.stringify(results, null, '\t') + '\n');
printTable(results);

async function firstLoadJs() {
	/** Every script of a page load, each gzipped (level 9), summed; `space` opens a seeded one. */
	const measure = async (path, { space = false } = {}) => {
		let context;
		if (space) {
			// Seeded from the bench page (its own bundle, not counted): one page of plain text.
			const seeded = await seededSpace('First load', 1, 2_000, '33'.repeat(32));
			context = seeded.context;
			path = `/space/?id=${seeded.topic}`;
		} else context = await browser.newContext({ serviceWorkers: 'block' });
		const page = await context.newPage();
		let bytes = 0;
		let last = Date.now();
		const pending = [];
		const scripts = [];
		page.on('request', () => (last = Date.now()));
		page.on('response', (response) => {
			if (response.request().resourceType() !== 'script') return;
			scripts.push(new URL(response.url()).pathname);
			pending.push(response.body().then((body) => (bytes += gzipSync(body, { level: 9 }).length)));
		});
		await page.goto(`${origin}${path}`, { waitUntil: 'networkidle' });
		if (space) {
			// The page is open when its editor takes input; what it loads after that counts too,
			// until nothing more is asked for half a second.
			await page.waitForSelector('.ProseMirror[contenteditable="true"]');
			while (Date.now() - last < 500) await page.waitForTimeout(100);
		}
		await Promise.all(pending);
		await context.close();
		// BENCH_SCRIPTS=file.json lists the scripts a space open took (to attribute its bytes).
		if (space && process.env.BENCH_SCRIPTS) {
			writeFileSync(process.env.BENCH_SCRIPTS, JSON.stringify(scripts));
		}
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
			value: round(await measure('/space/', { space: true })),
			unit: 'KB',
			target: 200
		}
	];
}

/** One cold open of a seeded space in a fresh tab: ms from navigation to its first editable page. */
async function openOnce({ context, topic, pages }) {
	const tab = await context.newPage();
	await tab.goto(`${origin}/space/?id=${topic}`);
	const time = await tab.evaluate(
		(count) =>
			new Promise((resolve) => {
				const ready = () =>
					document.querySelector('.ProseMirror[contenteditable="true"]') &&
					document.querySelectorAll('[role="treeitem"]').length >= count;
				const check = () => (ready() ? resolve(performance.now()) : requestAnimationFrame(check));
				check();
			}),
		pages
	);
	await tab.close();
	return time;
}

async function coldOpenMetric() {
	const big = { ...(await seededSpace('Benchmark', 200, 1_000_000, '11'.repeat(32))), pages: 200 };
	const small = { ...(await seededSpace('Baseline', 1, 0, '22'.repeat(32))), pages: 1 };
	// Interleaved, in alternating order, so a busy moment on the machine falls on both alike.
	const bigTimes = [];
	const smallTimes = [];
	for (let run = 0; run < RUNS; run++) {
		if (run % 2 === 0) {
			bigTimes.push(await openOnce(big));
			smallTimes.push(await openOnce(small));
		} else {
			smallTimes.push(await openOnce(small));
			bigTimes.push(await openOnce(big));
		}
	}
	await big.context.close();
	await small.context.close();
	const bigMedian = percentileOf(bigTimes, 50);
	const smallMedian = percentileOf(smallTimes, 50);
	return [
		{
			name: `cold open: 200 pages, 1 MB text, sealed → first editable page (median of ${RUNS})`,
			value: round(bigMedian),
			unit: 'ms',
			target: 500,
			baseline: round(smallMedian),
			baselineName: 'cold open of a 1-page empty space'
		},
		{
			name: 'cold open: 200-page / 1 MB space ÷ empty space, same run',
			value: round(bigMedian / smallMedian, 2),
			unit: '×',
			target: 1.3
		}
	];
}

async function keystrokeMetrics() {
	const { context, page } = await benchPage();
	const cost = await page.evaluate(() => window.bench.keystrokeCost(200, 150));
	await context.close();
	return [
		{
			name: 'one keystroke in a 200-page space, main thread (sealing included), p95',
			value: round(cost.p95, 2),
			unit: 'ms',
			target: 2,
			baseline: round(cost.baselineP95, 2),
			baselineName: 'the same edit on a bare Yjs doc'
		},
		{
			name: 'one keystroke in a 200-page space, main thread, p50',
			value: round(cost.p50, 2),
			unit: 'ms',
			target: null
		},
		{
			name: 'tree layouts caused by 150 body keystrokes',
			value: cost.layouts,
			unit: '',
			target: 0
		}
	];
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

/** One hostile message within the caps: the longest main-thread task it causes (bench/hostile.ts). */
async function hostileMetrics() {
	const { context, page } = await benchPage();
	const out = [];
	try {
		let worst = { name: '', ms: 0 };
		for (const attack of ['junk', 'copies', 'rollback', 'history']) {
			const r = await page.evaluate((a) => window.bench.hostileMessage(a), attack);
			if (!r.accepted && attack !== 'rollback')
				console.warn(`bench: the ${attack} message was refused`);
			console.log(
				`hostile ${attack}: ${r.entries} entries, ${r.bytes} B, check+apply ${r.syncMs.toFixed(1)} ms, longest task ${r.longestMs.toFixed(1)} ms, all work ${r.totalMs.toFixed(0)} ms, pages kept ${r.pagesKept}`
			);
			if (r.longestMs > worst.ms) worst = { name: attack, ms: r.longestMs };
			out.push({
				name: `one hostile message (${attack}, ${r.entries} entries): longest main-thread task`,
				value: round(r.longestMs),
				unit: 'ms',
				target: 100
			});
		}
		out.push({
			name: `worst single hostile message within the caps (${worst.name})`,
			value: round(worst.ms),
			unit: 'ms',
			target: 100
		});
	} finally {
		await context.close();
	}
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

// ——— Network: several browser contexts (separate profiles) over WebRTC on 127.0.0.1 ———

// Function declarations: the measuring code at the top of this file runs before any `const`
// below it is initialised.
function randomSecret() {
	const bytes = crypto.getRandomValues(new Uint8Array(32));
	return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function percentileOf(values, p) {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function until(check, what, ms = 60_000) {
	const end = Date.now() + ms;
	while (!(await check())) {
		if (Date.now() > end) throw new Error(`bench: timed out waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
}

async function peerPage(mode, secret, url) {
	const { context, page } = await benchPage();
	await page.evaluate(([m, s, u]) => window.bench.peerStart(m, s, u), [mode, secret, url]);
	return { context, page };
}

function connectedAll(peers, n) {
	return until(async () => {
		const counts = await Promise.all(
			peers.map((p) => p.page.evaluate(() => window.bench.peerConnected()))
		);
		return counts.every((count) => count >= n);
	}, `${peers.length} peers to connect`);
}

/** Edit → visible in the other browser: one edit every 100 ms (a fast typist), 200 edits. */
async function editLatency(mode, url) {
	const secret = randomSecret();
	const peers = [await peerPage(mode, secret, url), await peerPage(mode, secret, url)];
	const [a, b] = peers;
	try {
		await connectedAll(peers, 1);
		const warmup = 20;
		const count = 200;
		const sent = await a.page.evaluate((n) => window.bench.peerType(0, n, 100), warmup + count);
		await until(
			async () =>
				(await b.page.evaluate(() => window.bench.peerArrivals().length)) >= warmup + count,
			'every edit to arrive'
		);
		const arrivals = new Map(await b.page.evaluate(() => window.bench.peerArrivals()));
		const latencies = sent.slice(warmup).map((at, i) => arrivals.get(warmup + i) - at);
		if (mode === 'sealed') {
			const seal = await a.page.evaluate(() => window.bench.peerStages().seal);
			const open = await b.page.evaluate(() => window.bench.peerStages().open);
			console.log(
				`sealed path, medians: change → sealed in the log ${seal.toFixed(2)} ms; log entry → applied ${open.toFixed(2)} ms`
			);
		}
		return { p50: percentileOf(latencies, 50), p95: percentileOf(latencies, 95) };
	} finally {
		for (const peer of peers) await peer.context.close();
	}
}

/**
 * Through a relay, nobody else online: Alice fills a 5 MB space, waits until the relay has
 * committed it and leaves; a newcomer starts its peer and takes the space in from the relay.
 */
async function relayNewcomer(relayUrl) {
	const secret = randomSecret();
	const a = await peerPage('relay', secret, relayUrl);
	let length = 0;
	let digest = '';
	try {
		length = await a.page.evaluate(() => window.bench.peerFill(5 * 1024 * 1024));
		await a.page.waitForTimeout(500); // the last seal lands
		await until(() => a.page.evaluate(() => window.bench.peerKept()), 'the relay to keep it');
		digest = await a.page.evaluate(() => window.bench.peerDigest());
	} finally {
		await a.context.close();
	}
	const { context, page } = await benchPage();
	try {
		const started = Date.now();
		await page.evaluate(([s, u]) => window.bench.peerStart('relay', s, u), [secret, relayUrl]);
		await until(
			async () => (await page.evaluate(() => window.bench.peerTextLength())) >= length,
			'the newcomer to hold the whole space'
		);
		const ms = Date.now() - started;
		if ((await page.evaluate(() => window.bench.peerDigest())) !== digest)
			throw new Error('bench: the newcomer’s copy from the relay differs');
		return { ms, bytes: length };
	} finally {
		await context.close();
	}
}

/** A newcomer's first sync of a 5 MB space: from starting its peer to holding all of it. */
async function newcomerSync(url) {
	const secret = randomSecret();
	const a = await peerPage('sealed', secret, url);
	let b = null;
	try {
		const length = await a.page.evaluate(() => window.bench.peerFill(5 * 1024 * 1024));
		await a.page.waitForTimeout(500); // the last seal lands
		const { context, page } = await benchPage();
		b = { context, page };
		const started = Date.now();
		await page.evaluate(([s, u]) => window.bench.peerStart('sealed', s, u), [secret, url]);
		await until(
			async () => (await page.evaluate(() => window.bench.peerTextLength())) >= length,
			'the newcomer to hold the whole space'
		);
		const ms = Date.now() - started;
		const marks = await page.evaluate(() => window.bench.peerMarks());
		console.log(
			`newcomer: connected after ${Math.round(marks.connected - started)} ms, first chunk after ${Math.round(marks.receiving - started)} ms, first data after ${Math.round(marks.firstData - started)} ms, complete after ${ms} ms`
		);
		const same =
			(await a.page.evaluate(() => window.bench.peerDigest())) ===
			(await page.evaluate(() => window.bench.peerDigest()));
		if (!same) throw new Error('bench: the newcomer’s copy differs');
		return { ms, bytes: length };
	} finally {
		await a.context.close();
		await b?.context.close();
	}
}

/** A newcomer meets three peers that all hold a 5 MB space: time, and bytes it takes in. */
async function newcomerAmongThree(url) {
	const secret = randomSecret();
	const holders = [await peerPage('sealed', secret, url)];
	const newcomer = [];
	try {
		const length = await holders[0].page.evaluate(() => window.bench.peerFill(5 * 1024 * 1024));
		for (let i = 0; i < 2; i++) holders.push(await peerPage('sealed', secret, url));
		await until(async () => {
			const lengths = await Promise.all(
				holders.map((p) => p.page.evaluate(() => window.bench.peerTextLength()))
			);
			return lengths.every((l) => l >= length);
		}, 'three holders of the space');
		await connectedAll(holders, 2);
		const b = await benchPage();
		newcomer.push(b);
		const started = Date.now();
		await b.page.evaluate(([s, u]) => window.bench.peerStart('sealed', s, u), [secret, url]);
		await until(
			async () => (await b.page.evaluate(() => window.bench.peerTextLength())) >= length,
			'the newcomer to hold the whole space'
		);
		const ms = Date.now() - started;
		// Let the other peers' answers land too, then count everything that came in.
		await until(
			async () => (await b.page.evaluate(() => window.bench.peerConnected())) >= 3,
			'the newcomer to meet all three'
		);
		await b.page.waitForTimeout(2_000);
		const received = await b.page.evaluate(() => window.bench.peerBytesReceived());
		return { ms, received, bytes: length };
	} finally {
		for (const peer of [...holders, ...newcomer]) await peer.context.close();
	}
}

/** Five peers type at once; time from the last edit until every peer has every edit. */
async function fivePeers(url) {
	const secret = randomSecret();
	const peers = [];
	for (let i = 0; i < 5; i++) peers.push(await peerPage('sealed', secret, url));
	try {
		await connectedAll(peers, 4);
		const perPeer = 40;
		const sent = await Promise.all(
			peers.map((peer, k) =>
				peer.page.evaluate(([first, n]) => window.bench.peerType(first, n, 50), [k * 1000, perPeer])
			)
		);
		const lastEdit = Math.max(...sent.flat());
		const everyone = peers.length * perPeer;
		let converged = 0;
		for (const [k, peer] of peers.entries()) {
			await until(
				async () =>
					(await peer.page.evaluate(() => window.bench.peerArrivals().length)) >=
					everyone - perPeer,
				'every peer to receive every edit'
			);
			const arrivals = await peer.page.evaluate(() => window.bench.peerArrivals());
			void k;
			converged = Math.max(converged, ...arrivals.map(([, at]) => at));
		}
		const digests = await Promise.all(
			peers.map((p) => p.page.evaluate(() => window.bench.peerDigest()))
		);
		if (new Set(digests).size !== 1) throw new Error('bench: five peers did not converge');
		return { ms: Math.max(0, converged - lastEdit), edits: everyone };
	} finally {
		for (const peer of peers) await peer.context.close();
	}
}

/**
 * A relay keeping 1,000 spaces: what it holds in memory once they are kept and idle (rooms are
 * loaded only while someone is in them), and how long a restart takes until a member is back
 * in a space. Spaces are kept through the protocol, as members' apps and operators do.
 */
async function relayMetrics() {
	const { buildServer } = await import('../scripts/build-server.js');
	await buildServer();
	const { startRelay, keepOnRelay } = await import('../build-server/relay-server.js');
	const { startSignaling } = await import('../server/signaling.js');
	const { mkdtempSync, rmSync } = await import('node:fs');
	const { tmpdir } = await import('node:os');
	const { join } = await import('node:path');
	const nacl = (await import('tweetnacl')).default;
	const dataDir = mkdtempSync(join(tmpdir(), 'cp-bench-kept-'));
	const SPACES = 1_000;
	const start = async (port = 0) =>
		startSignaling({
			port,
			host: '127.0.0.1',
			log: () => {},
			maxConnectionsPerIp: 100_000,
			relay: await startRelay({ dataDir, quotas: { maxKeptPerAddress: SPACES } })
		});
	// A garbage collection before each reading, so what is counted is what is held.
	const v8 = await import('node:v8');
	const vm = await import('node:vm');
	v8.setFlagsFromString('--expose_gc');
	const gc = vm.runInNewContext('gc');
	const heap = () => {
		gc();
		const { heapUsed, external, arrayBuffers } = process.memoryUsage();
		return heapUsed + external - arrayBuffers;
	};
	let server = await start();
	try {
		const url = `${server.url}/relay`;
		const linksOf = Array.from({ length: SPACES }, () => {
			const bytes = Buffer.concat([nacl.randomBytes(32), nacl.sign.keyPair().publicKey]);
			return `b1.${bytes.toString('base64url')}`;
		});
		const before = heap();
		const keptStarted = Date.now();
		for (const link of linksOf) await keepOnRelay(link, url);
		const keepMs = (Date.now() - keptStarted) / SPACES;
		await new Promise((resolve) => setTimeout(resolve, 500));
		const after = heap();
		const port = server.port;
		await server.close();
		const restarted = Date.now();
		server = await start(port);
		await keepOnRelay(linksOf[SPACES - 1], url);
		const restartMs = Date.now() - restarted;
		return [
			{
				name: `a relay keeping ${SPACES} spaces, idle: JS memory they take`,
				value: round((after - before) / 1048576, 1),
				unit: 'MB',
				target: null
			},
			{
				name: `a relay keeping ${SPACES} spaces: restart until a member is back in one`,
				value: restartMs,
				unit: 'ms',
				target: 2000
			},
			{
				name: 'asking a relay to keep a new space (connect, proof, stored with fsync)',
				value: round(keepMs, 2),
				unit: 'ms',
				target: null
			}
		];
	} finally {
		await server.close();
		rmSync(dataDir, { recursive: true, force: true });
	}
}

/**
 * The relay against y-websocket's own server (y-websocket@2.1.0, persisting with y-leveldb), on
 * one workload: 400 clients in 100 rooms, 100-byte updates, each seen by the room's 3 others,
 * 1,000 updates a second in all, from two loader processes (bench/load/run.js); two rounds each,
 * alternating, averaged.
 */
async function relayVsYWebsocket() {
	const { compareRelays } = await import('./load/run.js');
	const workload = { rooms: 100, perRoom: 4, updates: 20, bytes: 100, intervalMs: 400, loaders: 2 };
	const { relay, ywebsocket } = await compareRelays(workload);
	for (const each of [relay, ywebsocket]) {
		if (each.delivered !== each.expected) {
			throw new Error(`${each.target}: ${each.delivered} of ${each.expected} updates delivered`);
		}
	}
	const name = 'y-websocket 2.1.0 server on the same workload';
	return [
		{
			name: 'relay CPU per update (400 clients, 100 rooms, 100 B, seen by 3), signatures checked',
			value: round(relay.cpuPerUpdateUs, 0),
			unit: 'µs',
			target: round(1.5 * ywebsocket.cpuPerUpdateUs, 0),
			baseline: round(ywebsocket.cpuPerUpdateUs, 0),
			baselineName: name
		},
		{
			name: 'relay memory per open connection (joined, idle), RSS',
			value: round(relay.memoryPerConnectionKb, 1),
			unit: 'KB',
			target: null,
			baseline: round(ywebsocket.memoryPerConnectionKb, 1),
			baselineName: name
		},
		{
			name: 'relay publish → delivery at 1,000 updates/s (after a warm-up), p99',
			value: round(relay.p99Ms, 1),
			unit: 'ms',
			target: null,
			baseline: round(ywebsocket.p99Ms, 1),
			baselineName: name
		}
	];
}

async function networkMetrics() {
	const { startSignaling } = await import('../server/signaling.js');
	const { buildServer } = await import('../scripts/build-server.js');
	await buildServer();
	const { startRelay } = await import('../build-server/relay-server.js');
	const { mkdtempSync, rmSync } = await import('node:fs');
	const { tmpdir } = await import('node:os');
	const { join } = await import('node:path');
	const dataDir = mkdtempSync(join(tmpdir(), 'cp-bench-relay-'));
	const signal = await startSignaling({
		port: 0,
		host: '127.0.0.1',
		log: () => {},
		relay: await startRelay({ dataDir })
	});
	const relayUrl = `${signal.url}/relay`;
	try {
		const raw = await editLatency('raw', signal.url);
		const sealed = await editLatency('sealed', signal.url);
		const relayed = await editLatency('relay', relayUrl);
		const fromRelay = await relayNewcomer(relayUrl);
		const newcomer = await newcomerSync(signal.url);
		const five = await fivePeers(signal.url);
		const crowd = await newcomerAmongThree(signal.url);
		return [
			{
				name: 'edit → visible in the other browser, p50 (sealed, app sync path)',
				value: round(sealed.p50),
				unit: 'ms',
				target: null,
				baseline: round(raw.p50),
				baselineName: 'raw y-webrtc, no sealing',
				ratio: round(sealed.p50 / raw.p50, 2)
			},
			{
				name: 'edit → visible in the other browser, p95 (sealed, app sync path)',
				value: round(sealed.p95),
				unit: 'ms',
				target: round(Math.min(50, raw.p95 * 1.2)),
				baseline: round(raw.p95),
				baselineName: 'raw y-webrtc, no sealing',
				ratio: round(sealed.p95 / raw.p95, 2)
			},
			{
				name: 'edit → visible through a relay (no WebRTC), p95',
				value: round(relayed.p95),
				unit: 'ms',
				target: 50,
				baseline: round(sealed.p95),
				baselineName: 'the same over WebRTC',
				ratio: round(relayed.p95 / sealed.p95, 2)
			},
			{
				name: 'edit → visible through a relay (no WebRTC), p50',
				value: round(relayed.p50),
				unit: 'ms',
				target: null,
				baseline: round(sealed.p50),
				baselineName: 'the same over WebRTC'
			},
			{
				name: `newcomer's first sync of a ${(fromRelay.bytes / 1048576).toFixed(1)} MB space from a relay, nobody else online`,
				value: fromRelay.ms,
				unit: 'ms',
				target: 2000
			},
			{
				name: `newcomer's first sync of a ${(newcomer.bytes / 1048576).toFixed(1)} MB space (sealed, chunked)`,
				value: newcomer.ms,
				unit: 'ms',
				target: 3000
			},
			{
				name: `newcomer meeting 3 peers that hold a ${(crowd.bytes / 1048576).toFixed(1)} MB space: bytes taken in`,
				value: round(crowd.received / 1048576, 2),
				unit: 'MB',
				target: round((crowd.bytes / 1048576) * 1.5, 2),
				baseline: round(crowd.bytes / 1048576, 2),
				baselineName: 'the space itself (once)'
			},
			{
				name: 'newcomer meeting 3 peers: time to hold the whole space',
				value: crowd.ms,
				unit: 'ms',
				target: 3000
			},
			{
				name: `5 peers typing at once (${five.edits} edits): last edit → identical everywhere`,
				value: round(five.ms),
				unit: 'ms',
				target: null
			}
		];
	} finally {
		await signal.close();
		rmSync(dataDir, { recursive: true, force: true });
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
	console.log(`\nwritten to ${output}`);
}
