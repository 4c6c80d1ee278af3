// `npm test`: install what is missing (Chromium too, as root), then type check, lint, unit
// tests, build and end-to-end tests. Every step runs; the last line sums up the tests.
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { ensureChromium, ensureDependencies, ensureRedis, run } from './setup.js';

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

const failed = [];
for (const [name, command, args] of steps) {
	if (name === 'End-to-end tests' && failed.includes('Build')) {
		failed.push(name);
		continue;
	}
	console.log(`\n── ${name}: ${[command, ...args].join(' ')}`);
	if (run(command, args) !== 0 && !failed.includes(name)) failed.push(name);
}

const read = (file) => (existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : null);
const unit = read('test-reports/unit.json');
const e2e = read('test-reports/e2e.json');
const passed = (unit?.numPassedTests ?? 0) + (e2e?.stats?.expected ?? 0) + (e2e?.stats?.flaky ?? 0);
// A test file whose worker died (a native crash) leaves tests that neither passed nor failed.
const unfinished = unit
	? unit.numTotalTests - unit.numPassedTests - unit.numFailedTests - unit.numPendingTests
	: 0;
const broken = (unit?.numFailedTests ?? 0) + unfinished + (e2e?.stats?.unexpected ?? 0);
const skipped = (unit?.numPendingTests ?? 0) + (e2e?.stats?.skipped ?? 0);

console.log('');
if (failed.length > 0) console.log(`Failed steps: ${failed.join(', ')}`);
console.log(
	`unit: ${unit?.numPassedTests ?? 0} passed, e2e: ${e2e?.stats?.expected ?? 0} passed` +
		(skipped ? `, ${skipped} skipped` : '') +
		(unfinished > 0 ? `, ${unfinished} unit tests never finished` : '')
);
console.log(`${passed} passed, ${broken} failed`);
process.exit(failed.length > 0 || broken > 0 ? 1 : 0);
