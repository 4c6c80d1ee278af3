// Review 9: npm test reruns the unit test files whose worker died (scripts/test.js, with the
// decisions in scripts/unit-report.js). Its first version decided that from numFailedTests
// alone, so a file that failed without a failed test (an afterAll hook that throws, a file that
// does not import) was not seen: with a worker dying in the same run, npm test went green on a
// real failure. And its count took every it.todo for a test that never finished.
//
// Each case is a real Vitest run of a fixture (one file's worker SIGKILLed the first time, as
// @roamhq/wrtc's segfault does), its JSON report and its output, through unit-report.js and the
// rerun as scripts/test.js does it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { countUnit, deadWorkerFiles, mergeReports } from '../../scripts/unit-report.js';

const root = resolve(__dirname, '../..');
const vitestBin = join(root, 'node_modules/vitest/vitest.mjs');

/** What npm test makes of a unit run in `dir`: the step's verdict and the summary's count. */
function npmTestVerdict(dir: string) {
	const read = (file: string) =>
		existsSync(join(dir, file)) ? JSON.parse(readFileSync(join(dir, file), 'utf8')) : null;
	const vitest = (...args: string[]) => {
		const result = spawnSync(process.execPath, [vitestBin, 'run', ...args], {
			cwd: dir,
			encoding: 'utf8'
		});
		return { status: result.status ?? 1, output: `${result.stdout}${result.stderr}` };
	};
	const first = vitest('--reporter=default', '--reporter=json', '--outputFile.json=unit.json');
	const report = read('unit.json');
	let status = first.status;
	let files: string[] | null = null;
	if (status !== 0) {
		files = deadWorkerFiles(report, first.output);
		if (files === null) status = 1;
		else {
			const again = vitest(...files, '--reporter=json', '--outputFile.json=rerun.json');
			writeFileSync(
				join(dir, 'unit.json'),
				JSON.stringify(mergeReports(report, read('rerun.json')))
			);
			status = again.status;
		}
	}
	const counts = countUnit(read('unit.json'));
	return {
		firstStatus: first.status,
		first: report,
		rerun: files,
		stepFailed: status !== 0,
		broken: counts.failed + counts.unfinished,
		counts
	};
}

const dirs: string[] = [];
afterAll(() => {
	for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function fixture(files: Record<string, string>): string {
	const dir = mkdtempSync(join(tmpdir(), 'review9-rerun-'));
	dirs.push(dir);
	mkdirSync(join(dir, 'test-reports'));
	writeFileSync(
		join(dir, 'vitest.config.mjs'),
		"export default { test: { include: ['*.test.mjs'], pool: 'forks' } };\n"
	);
	for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
	return dir;
}

// Dies the first time it runs (a native crash kills the worker), passes the second time.
const DIES_ONCE = `
import { existsSync, writeFileSync } from 'node:fs';
import { it } from 'vitest';
it('before the crash', () => {});
it('the crash', () => {
	if (!existsSync('crashed-once')) {
		writeFileSync('crashed-once', '');
		process.kill(process.pid, 'SIGKILL');
	}
});
it('after the crash', () => {});
`;

describe('npm test: rerun of files whose worker died', () => {
	it('a file whose afterAll throws still fails npm test when a worker also died', () => {
		const dir = fixture({
			'native.test.mjs': DIES_ONCE,
			'cleanup.test.mjs': `
import { afterAll, it } from 'vitest';
it('passes', () => {});
afterAll(() => { throw new Error('cleanup failed: a real failure'); });
`
		});
		const verdict = npmTestVerdict(dir);
		// The scenario is what the script was written for: a dead worker, no failed test...
		expect(verdict.firstStatus).not.toBe(0);
		expect(verdict.first.numFailedTests).toBe(0);
		// ...and a real failure vitest reported (a failed file, no failed test).
		expect(verdict.first.numFailedTestSuites).toBeGreaterThan(0);
		// npm test must not call this green.
		expect(verdict.stepFailed || verdict.broken > 0).toBe(true);
	}, 60_000);

	it('a file that fails to import still fails npm test when a worker also died', () => {
		const dir = fixture({
			'native.test.mjs': DIES_ONCE,
			'broken.test.mjs': `
import { it } from 'vitest';
import { nothing } from './does-not-exist.mjs';
it('never runs', () => nothing());
`
		});
		const verdict = npmTestVerdict(dir);
		expect(verdict.firstStatus).not.toBe(0);
		expect(verdict.first.numFailedTests).toBe(0);
		expect(verdict.stepFailed || verdict.broken > 0).toBe(true);
	}, 60_000);

	it('an unhandled rejection still fails npm test when a worker also died', () => {
		const dir = fixture({
			'native.test.mjs': DIES_ONCE,
			'leaks.test.mjs': `
import { it } from 'vitest';
it('passes, and leaves a rejection nobody handles', async () => {
	void Promise.reject(new Error('thrown into nobody: a real failure'));
	await new Promise((resolve) => setTimeout(resolve, 50));
});
`
		});
		const verdict = npmTestVerdict(dir);
		expect(verdict.firstStatus).not.toBe(0);
		expect(verdict.first.numFailedTests).toBe(0);
		expect(verdict.rerun).toBeNull();
		expect(verdict.stepFailed).toBe(true);
	}, 60_000);

	it('a worker that died alone is rerun: green, every test counted once', () => {
		const dir = fixture({
			'native.test.mjs': DIES_ONCE,
			'fine.test.mjs': `
import { it } from 'vitest';
it('passes', () => {});
`
		});
		const verdict = npmTestVerdict(dir);
		expect(verdict.firstStatus).not.toBe(0);
		expect(verdict.rerun).toEqual([join(dir, 'native.test.mjs')]);
		expect(verdict.stepFailed).toBe(false);
		expect(verdict.counts).toEqual({ passed: 4, failed: 0, skipped: 0, unfinished: 0 });
	}, 60_000);

	it('a test marked todo is not counted as a test that never finished', () => {
		const dir = fixture({
			'todo.test.mjs': `
import { it } from 'vitest';
it('passes', () => {});
it.todo('later');
`
		});
		const verdict = npmTestVerdict(dir);
		expect(verdict.firstStatus).toBe(0);
		expect(verdict.broken).toBe(0);
	}, 60_000);
});
