// The load harness: starts a server in its own process, opens N clients in T rooms from loader
// processes (bench/load/worker.js), measures what the server holds per idle connection (RSS),
// then has every client send updates at a steady pace and measures the server's CPU per update
// and the time from publish to delivery at the room's other clients. Loopback only.
//
// Targets: Commonplace's relay (server/main.js: every envelope's signature checked, the
// deletion rules run, each update written to LevelDB before it is acknowledged) and
// y-websocket@2.1.0's own server (bin/server.cjs; plaintext Yjs, persisted with y-leveldb under
// YPERSISTENCE), on the same workload.
import { fork, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';

/** Compiles the load clients (with the app's own code) for Node. */
export async function buildClients() {
	await build({
		configFile: false,
		logLevel: 'warn',
		build: {
			ssr: 'bench/load/clients.ts',
			outDir: 'build/__load',
			emptyOutDir: true,
			target: 'node20',
			rollupOptions: { output: { entryFileNames: 'clients.js' } }
		}
	});
}

async function freePort() {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address();
			server.close(() => resolve(port));
		});
	});
}

/** CPU seconds (user + system) a process has used, from /proc (Linux). */
function cpuSeconds(pid) {
	const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	// Fields 14 and 15 of stat (utime, stime), counted from after the name: 12 and 13, in ticks.
	return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Resident memory of a process in bytes, from /proc. */
function rssBytes(pid) {
	const status = readFileSync(`/proc/${pid}/status`, 'utf8');
	return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

/** LOAD_PROFILE=<dir>: each server writes a CPU profile there (open it in Chrome's DevTools). */
const profile = (name) =>
	process.env.LOAD_PROFILE
		? [
				'--cpu-prof',
				`--cpu-prof-dir=${process.env.LOAD_PROFILE}`,
				`--cpu-prof-name=${name}.cpuprofile`
			]
		: [];

/** Limits raised for a load test (the defaults guard one address's share of a public server). */
const LOAD_ENV = {
	HOST: '127.0.0.1',
	MAX_CONNECTIONS: '200000',
	MAX_CONNECTIONS_PER_IP: '200000',
	RELAY_MAX_SPACES_PER_ADDRESS: '200000',
	RELAY_MAX_SPACES: '200000'
};

/** The secret a service's nodes share (a load test's own, made for this run). */
const SERVICE_SECRET = randomBytes(32).toString('hex');

/** One node of Commonplace's server (signaling + relay) in its own process. */
async function ourNode(name, dataDir, env = {}) {
	const port = await freePort();
	const child = spawn(process.execPath, [...profile(name), 'server/main.js'], {
		env: { ...process.env, ...LOAD_ENV, PORT: String(port), DATA_DIR: dataDir, ...env },
		stdio: ['ignore', 'ignore', 'inherit']
	});
	await waitForHttp(port, child);
	return { child, port };
}

/**
 * Debian's redis-server on a free loopback port; `persist`: an append-only file fsynced on every
 * write (what a relay service's store needs), else none (signaling needs none).
 */
async function redisServer(dir, persist = false) {
	const port = await freePort();
	const child = spawn(
		'redis-server',
		[
			...['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''],
			...(persist ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'])
		],
		{ stdio: ['ignore', 'pipe', 'inherit'] }
	);
	await new Promise((resolve, reject) => {
		let output = '';
		child.stdout.on('data', (chunk) => {
			output += chunk;
			if (output.includes('Ready to accept connections')) resolve();
		});
		child.once('exit', (code) => reject(new Error(`redis-server exited (${code})`)));
	});
	child.stdout.resume();
	return { child, url: `redis://127.0.0.1:${port}` };
}

/**
 * What can be measured, each a service of one or more processes (all counted for CPU and
 * memory) and the addresses its clients use (a room's clients take them in turn).
 */
const TARGETS = {
	relay: {
		name: 'Commonplace relay',
		kind: 'relay',
		async start(dataDir) {
			const node = await ourNode('relay', dataDir);
			return { processes: [node.child], urls: [`ws://127.0.0.1:${node.port}/relay`] };
		}
	},
	ywebsocket: {
		name: 'y-websocket 2.1.0 server (y-leveldb)',
		kind: 'ywebsocket',
		async start(dataDir) {
			const port = await freePort();
			const child = spawn(
				process.execPath,
				[...profile('ywebsocket'), 'node_modules/y-websocket/bin/server.cjs'],
				{
					env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', YPERSISTENCE: dataDir },
					stdio: ['ignore', 'ignore', 'inherit']
				}
			);
			await waitForHttp(port, child);
			return { processes: [child], urls: [`ws://127.0.0.1:${port}`] };
		}
	},
	'relay-redis': {
		name: 'Commonplace relay, two nodes on Redis',
		kind: 'relay',
		async start(dataDir) {
			const redis = await redisServer(dataDir, true);
			const nodes = [];
			for (const n of [1, 2]) {
				nodes.push(
					await ourNode(`relay-node${n}`, join(dataDir, `node${n}`), {
						REDIS_URL: redis.url,
						SERVICE_SECRET
					})
				);
			}
			return {
				processes: [redis.child, ...nodes.map((node) => node.child)],
				urls: nodes.map((node) => `ws://127.0.0.1:${node.port}/relay`)
			};
		}
	},
	signaling: {
		name: 'Commonplace signaling, one node',
		kind: 'signaling',
		async start(dataDir) {
			const node = await ourNode('signaling', dataDir);
			return { processes: [node.child], urls: [`ws://127.0.0.1:${node.port}`] };
		}
	},
	'signaling-redis': {
		name: 'Commonplace signaling, two nodes on Redis',
		kind: 'signaling',
		async start(dataDir) {
			const redis = await redisServer(dataDir);
			const nodes = [];
			for (const n of [1, 2]) {
				nodes.push(
					await ourNode(`signaling-node${n}`, join(dataDir, `node${n}`), {
						REDIS_URL: redis.url,
						SERVICE_SECRET
					})
				);
			}
			return {
				processes: [redis.child, ...nodes.map((node) => node.child)],
				urls: nodes.map((node) => `ws://127.0.0.1:${node.port}`)
			};
		}
	},
	ywebrtc: {
		name: "y-webrtc's bin/server.js",
		kind: 'signaling',
		async start() {
			const port = await freePort();
			const child = spawn(
				process.execPath,
				[
					...profile('ywebrtc'),
					'--import',
					'./tests/support/loopback.mjs',
					'node_modules/y-webrtc/bin/server.js'
				],
				{ env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'inherit'] }
			);
			await waitForHttp(port, child);
			return { processes: [child], urls: [`ws://127.0.0.1:${port}`] };
		}
	}
};

async function waitForHttp(port, child) {
	const deadline = Date.now() + 15_000;
	while (Date.now() < deadline) {
		if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode})`);
		try {
			await fetch(`http://127.0.0.1:${port}/health`);
			return;
		} catch {
			await new Promise((resolve) => setTimeout(resolve, 100));
		}
	}
	throw new Error('the server did not answer in 15 s');
}

/** Sends a message to every worker and waits for each one's answer of `type`. */
function ask(workers, messages, type) {
	return Promise.all(
		workers.map(
			(worker, i) =>
				new Promise((resolve, reject) => {
					const onMessage = (message) => {
						if (message.type === 'error') {
							worker.off('message', onMessage);
							reject(new Error(`a loader failed: ${message.message}`));
						} else if (message.type === type) {
							worker.off('message', onMessage);
							resolve(message);
						}
					};
					worker.on('message', onMessage);
					worker.send(Array.isArray(messages) ? messages[i] : messages);
				})
		)
	);
}

const percentile = (sorted, p) =>
	sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];

/**
 * One target under one workload: `rooms` rooms of `perRoom` clients, each sending `updates`
 * updates of `bytes` bytes every `intervalMs`, from `loaders` processes.
 */
export async function measure(targetName, workload) {
	const { rooms, perRoom, updates, bytes, intervalMs, loaders, seed = 1 } = workload;
	const target = TARGETS[targetName];
	const dataDir = mkdtempSync(join(tmpdir(), `cp-load-${targetName}-`));
	const workers = [];
	let processes = [];
	const cpu = () => processes.reduce((sum, child) => sum + cpuSeconds(child.pid), 0);
	const rss = () => processes.reduce((sum, child) => sum + rssBytes(child.pid), 0);
	try {
		const service = await target.start(dataDir);
		processes = service.processes;
		await new Promise((resolve) => setTimeout(resolve, 500));
		const rssBefore = rss();
		for (let i = 0; i < loaders; i++) {
			workers.push(
				fork('bench/load/worker.js', [], {
					stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
					execArgv: profile(`loader-${targetName}-${i}`)
				})
			);
		}
		const share = (i) =>
			Array.from({ length: rooms }, (_, r) => r)
				.filter((r) => r % loaders === i)
				.map((r) => ({
					secret: Buffer.from(`${seed}-${r}`.padEnd(32, '.')).toString('hex').slice(0, 64),
					path: `load-${seed}-${r}`
				}));
		await ask(
			workers,
			workers.map((_, i) => ({
				type: 'open',
				kind: target.kind,
				urls: service.urls,
				rooms: share(i),
				perRoom
			})),
			'opened'
		);
		const clients = rooms * perRoom;
		await new Promise((resolve) => setTimeout(resolve, 2_000));
		const rssIdle = rss();
		// A warm-up round (not measured): a cold process's first second is compiling code.
		const warmup = Math.min(5, updates);
		await ask(workers, { type: 'prepare', updates: warmup, bytes }, 'prepared');
		await ask(
			workers,
			workers.map((_, i) => ({ type: 'go', updates: warmup, intervalMs, seed: seed * 1000 + i })),
			'done'
		);
		await ask(workers, { type: 'prepare', updates, bytes }, 'prepared');
		const cpuBefore = cpu();
		const started = performance.now();
		const done = await ask(
			workers,
			workers.map((_, i) => ({ type: 'go', updates, intervalMs, seed: seed * 100 + i })),
			'done'
		);
		const seconds = (performance.now() - started) / 1000;
		const used = cpu() - cpuBefore;
		const sent = done.reduce((sum, d) => sum + d.sent, 0);
		const delivered = done.reduce((sum, d) => sum + d.delivered, 0);
		const expected = done.reduce((sum, d) => sum + d.expected, 0);
		const latencies = done.flatMap((d) => d.latencies).sort((a, b) => a - b);
		return {
			target: target.name,
			clients,
			rooms,
			asked: Math.round((clients * 1000) / intervalMs),
			sentPerSecond: sent / seconds,
			sent,
			delivered,
			expected,
			seconds,
			cpuSeconds: used,
			cpuPerUpdateUs: (used / sent) * 1e6,
			loaderCpuSeconds: done.reduce((sum, d) => sum + d.cpuSeconds, 0),
			deliveredPerSecond: delivered / seconds,
			p50Ms: percentile(latencies, 0.5),
			p99Ms: percentile(latencies, 0.99),
			memoryPerConnectionKb: (rssIdle - rssBefore) / clients / 1024
		};
	} finally {
		await Promise.all(
			workers.map(
				(worker) =>
					new Promise((resolve) => {
						if (worker.exitCode !== null) return resolve();
						const timer = setTimeout(() => worker.kill('SIGKILL'), 5_000);
						worker.once('exit', () => {
							clearTimeout(timer);
							resolve();
						});
						worker.send({ type: 'close' });
					})
			)
		);
		for (const child of processes) {
			child.kill('SIGTERM');
			await new Promise((resolve) =>
				child.exitCode !== null ? resolve() : child.once('exit', resolve)
			);
		}
		rmSync(dataDir, { recursive: true, force: true });
	}
}

/**
 * Idle connections one signaling node holds: `count` sockets from `loaders` processes, each
 * subscribed to a topic of its own; the server's resident memory per connection.
 */
export async function idleConnections(targetName, count, loaders = 2) {
	const target = TARGETS[targetName];
	const dataDir = mkdtempSync(join(tmpdir(), `cp-idle-${targetName}-`));
	const workers = [];
	let processes = [];
	try {
		const service = await target.start(dataDir);
		processes = service.processes;
		await new Promise((resolve) => setTimeout(resolve, 500));
		const before = processes.reduce((sum, child) => sum + rssBytes(child.pid), 0);
		for (let i = 0; i < loaders; i++) {
			workers.push(
				fork('bench/load/worker.js', [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
			);
		}
		const idled = await ask(
			workers,
			workers.map((_, i) => ({
				type: 'idle',
				url: service.urls[i % service.urls.length],
				count: Math.ceil(count / loaders)
			})),
			'idled'
		);
		await new Promise((resolve) => setTimeout(resolve, 3_000));
		const after = processes.reduce((sum, child) => sum + rssBytes(child.pid), 0);
		const held = idled.reduce((sum, answer) => sum + answer.held, 0);
		return {
			target: target.name,
			asked: count,
			held,
			memoryPerConnectionKb: (after - before) / held / 1024
		};
	} finally {
		for (const worker of workers) worker.kill('SIGKILL');
		for (const child of processes) {
			child.kill('SIGTERM');
			await new Promise((resolve) =>
				child.exitCode !== null ? resolve() : child.once('exit', resolve)
			);
		}
		rmSync(dataDir, { recursive: true, force: true });
	}
}

/** The mean of each numeric field over runs of one target (its name from the first). */
function mean(runs) {
	const out = { ...runs[0] };
	for (const [key, value] of Object.entries(out)) {
		if (typeof value === 'number')
			out[key] = runs.reduce((sum, run) => sum + run[key], 0) / runs.length;
	}
	return { ...out, runs: runs.length };
}

/**
 * Commonplace's relay against y-websocket's server, same workload, `rounds` times each,
 * alternating (a machine's drift then touches both alike); the mean of each.
 */
export async function compareRelays(workload, rounds = 2) {
	await buildClients();
	const { buildServer } = await import('../../scripts/build-server.js');
	await buildServer();
	const relay = [];
	const ywebsocket = [];
	for (let round = 0; round < rounds; round++) {
		relay.push(await measure('relay', { ...workload, seed: round + 1 }));
		ywebsocket.push(await measure('ywebsocket', { ...workload, seed: round + 1 }));
	}
	return { relay: mean(relay), ywebsocket: mean(ywebsocket) };
}

/**
 * `npm run load`: every target on one workload per kind (LOAD_ROOMS rooms of 4 clients,
 * LOAD_UPDATES updates each, every LOAD_INTERVAL_MS, from LOAD_LOADERS processes), one after the
 * other on this machine; a table, and bench/results/load.json. LOAD_SWEEP=1 adds where the
 * loaders saturate (loaderSweep).
 */
async function loadRun() {
	const workload = {
		rooms: Number(process.env.LOAD_ROOMS ?? 100),
		perRoom: 4,
		updates: Number(process.env.LOAD_UPDATES ?? 20),
		intervalMs: Number(process.env.LOAD_INTERVAL_MS ?? 400),
		loaders: Number(process.env.LOAD_LOADERS ?? 2)
	};
	await buildClients();
	const { buildServer } = await import('../../scripts/build-server.js');
	await buildServer();
	const only = process.env.LOAD_ONLY?.split(',');
	// Two relay nodes and Redis share this machine's cores with the loaders: at half the rate too.
	const plan = [
		['signaling', 200],
		['signaling-redis', 200],
		['ywebrtc', 200],
		['relay', 100],
		['relay-redis', 100],
		['relay-redis', 100, workload.intervalMs * 2],
		['ywebsocket', 100]
	].filter(([name]) => !only || only.includes(name));
	const rows = [];
	for (const [name, bytes, intervalMs = workload.intervalMs] of plan) {
		const result = await measure(name, { ...workload, bytes, intervalMs });
		rows.push(result);
		console.log(`${result.target}: done`);
	}
	const table = rows.map((r) => ({
		target: r.target,
		'publishes/s asked': r.asked,
		clients: r.clients,
		'delivered/s': Math.round(r.deliveredPerSecond),
		'delivered of expected': `${r.delivered}/${r.expected}`,
		'CPU µs per publish': Math.round(r.cpuPerUpdateUs),
		'p50 ms': Number(r.p50Ms.toFixed(1)),
		'p99 ms': Number(r.p99Ms.toFixed(1)),
		'KB per idle connection': Number(r.memoryPerConnectionKb.toFixed(1)),
		'loader CPU s': Number(r.loaderCpuSeconds.toFixed(1))
	}));
	console.table(table);
	// Idle connections held by one node (target: 10,000), ours and y-webrtc's.
	const idle = [];
	const idleCount = Number(process.env.LOAD_IDLE ?? 10_000);
	for (const name of ['signaling', 'ywebrtc'].filter((n) => !only || only.includes(n))) {
		idle.push(await idleConnections(name, idleCount));
	}
	console.table(
		idle.map((r) => ({
			target: r.target,
			'idle connections asked': r.asked,
			held: r.held,
			'KB per idle connection': Number(r.memoryPerConnectionKb.toFixed(1))
		}))
	);
	const sweep = process.env.LOAD_SWEEP === '1' ? await loaderSweep(workload) : undefined;
	const { mkdirSync, writeFileSync } = await import('node:fs');
	mkdirSync('bench/results', { recursive: true });
	writeFileSync(
		'bench/results/load.json',
		JSON.stringify({ workload, results: rows, idle, sweep }, null, '\t') + '\n'
	);
	console.log('written to bench/results/load.json');
}

/**
 * Where the loaders themselves saturate (LOAD_SWEEP=1): our cheapest target, one signaling node,
 * driven at rising rates from one and from two loader processes. A loader is saturated when
 * it stops sending at the rate asked, or its process is near one core busy; the machine is,
 * when loaders and server together use both cores.
 */
async function loaderSweep(workload) {
	const rows = [];
	for (const loaders of [1, 2]) {
		for (const intervalMs of [400, 200, 100, 50]) {
			const r = await measure('signaling', {
				...workload,
				bytes: 200,
				updates: Math.round((8_000 / intervalMs) * 1),
				intervalMs,
				loaders
			});
			rows.push({
				loaders,
				'publishes/s asked': r.asked,
				'publishes/s sent': Math.round(r.sentPerSecond),
				'delivered of expected': `${r.delivered}/${r.expected}`,
				'cores per loader': Number((r.loaderCpuSeconds / r.seconds / loaders).toFixed(2)),
				'server cores': Number((r.cpuSeconds / r.seconds).toFixed(2)),
				'p99 ms': Number(r.p99Ms.toFixed(1))
			});
			console.log(`sweep: ${loaders} loader(s), ${r.asked}/s: done`);
		}
	}
	console.table(rows);
	return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) await loadRun();
