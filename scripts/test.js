// `npm test`: install what is missing (Chromium too, as root), then type check, lint, unit
// tests, build and end-to-end tests. Every step runs; the last line sums up the tests.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { ensureChromium, ensureDependencies, ensureRedis, run } from './setup.js';
import { countUnit, deadWorkerFiles, mergeReports } from './unit-report.js';

ensureDependencies();
ensureChromium();
ensureRedis();
rmSync('test-reports', { recursive: true, force: true });
mkdirSync('test-reports', { recursive: true });

const steps = [
	['Type check', 'npx', ['svelte-kit', 'sync']],
	['Type check', 'npx', ['svelte-check', '--tsconfig', './tsconfig.json', '--fail-on-warnings']],
	['Format', 'npx', ['prettier', '--check', '.']],
	['Lint', 'npx', ['eslint', '.']],
	[
		'Unit tests',
		'npx',
		[
			'vitest',
			'run',
			'--reporter=default',
			'--reporter=json',
			'--outputFile.json=test-reports/unit.json'
		]
	],
	['Build', 'npx', ['vite', 'build', '--logLevel', 'warn']],
	['End-to-end tests', 'npx', ['playwright', 'test']]
];

const read = (file) => (existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : null);

const failed = [];
for (const [name, command, args] of steps) {
	if (name === 'End-to-end tests' && failed.includes('Build')) {
		failed.push(name);
		continue;
	}
	console.log(`\n── ${name}: ${[command, ...args].join(' ')}`);
	let status;
	if (name === 'Unit tests') {
		const result = await runKeepingOutput(command, args);
		status = result.status === 0 ? 0 : rerunDeadWorkers(result.output);
	} else status = run(command, args);
	if (status !== 0 && !failed.includes(name)) failed.push(name);
}

/**
 * The unit tests that drive real WebRTC in Node use @roamhq/wrtc, a native addon that now and
 * then crashes its process (a segfault inside libwebrtc, about one run in twenty here): vitest
 * then reports "Worker exited unexpectedly", and that file's tests never finish. When that is
 * the only trouble (unit-report.js deadWorkerFiles), the files whose tests never finished run
 * once more, on their own, and their results replace the dead run's. Returns the step's status.
 */
function rerunDeadWorkers(output) {
	const first = read('test-reports/unit.json');
	const files = first === null ? null : deadWorkerFiles(first, output);
	if (files === null) return 1;
	console.log(
		`\n── A unit test worker died before its tests finished; running ${files.length === 1 ? 'that file' : 'those files'} once more:\n   ${files.join('\n   ')}`
	);
	const status = run('npx', [
		'vitest',
		'run',
		...files,
		'--reporter=default',
		'--reporter=json',
		'--outputFile.json=test-reports/unit-rerun.json'
	]);
	const again = read('test-reports/unit-rerun.json');
	if (again === null) return 1;
	writeFileSync('test-reports/unit.json', JSON.stringify(mergeReports(first, again)));
	return status;
}

/** Runs a command, its output shown as it comes and kept: { status, output }. */
function runKeepingOutput(command, args) {
	return new Promise((resolve, reject) => {
		const child = spawn(command, args, { stdio: ['inherit', 'pipe', 'pipe'] });
		let output = '';
		child.stdout.on('data', (chunk) => {
			process.stdout.write(chunk);
			output += chunk;
		});
		child.stderr.on('data', (chunk) => {
			process.stderr.write(chunk);
			output += chunk;
		});
		child.on('error', reject);
		child.on('close', (code) => resolve({ status: code ?? 1, output }));
	});
}

const unit = read('test-reports/unit.json');
const e2e = read('test-reports/e2e.json');
// A test file whose worker died (a native crash) leaves tests that neither passed nor failed.
const units = unit ? countUnit(unit) : { passed: 0, failed: 0, skipped: 0, unfinished: 0 };
const passed = units.passed + (e2e?.stats?.expected ?? 0) + (e2e?.stats?.flaky ?? 0);
const unfinished = units.unfinished;
const broken = units.failed + unfinished + (e2e?.stats?.unexpected ?? 0);
const skipped = units.skipped + (e2e?.stats?.skipped ?? 0);

console.log('');
if (failed.length > 0) console.log(`Failed steps: ${failed.join(', ')}`);
console.log(
	`unit: ${units.passed} passed, e2e: ${e2e?.stats?.expected ?? 0} passed` +
		(skipped ? `, ${skipped} skipped` : '') +
		(unfinished > 0 ? `, ${unfinished} unit tests never finished` : '')
);
console.log(`${passed} passed, ${broken} failed`);
process.exit(failed.length > 0 || broken > 0 ? 1 : 0);
