// What `npm test` makes of Vitest's JSON report (scripts/test.js): the counts its last line
// gives, and whether a run whose only trouble was a dead worker may run those files again.

/**
 * A report's tests by what became of them. A test still `pending` never finished (its worker
 * died); a file that failed with no failed test (an afterAll that threw, a file that did not
 * import) counts as one failure.
 */
export function countUnit(report) {
	const tests = report.testResults.flatMap((file) => file.assertionResults);
	const count = (status) => tests.filter((test) => test.status === status).length;
	const failedFiles = report.testResults.filter(
		(file) => file.status === 'failed' && !file.assertionResults.some((t) => t.status === 'failed')
	).length;
	return {
		passed: count('passed'),
		failed: count('failed') + failedFiles,
		skipped: count('skipped') + count('todo'),
		unfinished: count('pending')
	};
}

const plain = (text) => text.replace(/\x1b\[[0-9;]*m/g, ''); // eslint-disable-line no-control-regex

/**
 * The files to run once more, or null. Only when every error Vitest caught outside the tests is
 * a worker that exited (a native crash: @roamhq/wrtc), no test or file failed, and every file
 * not left unfinished passed: anything else is a failure of its own and is never retried.
 */
export function deadWorkerFiles(report, output) {
	const text = plain(output);
	const died = (text.match(/Worker exited unexpectedly/g) ?? []).length;
	const caught = Number(/Vitest caught (\d+) unhandled errors?/.exec(text)?.[1] ?? 0);
	if (died === 0 || caught !== died) return null;
	if (countUnit(report).failed > 0) return null;
	const dead = report.testResults.filter((file) =>
		file.assertionResults.some((test) => test.status === 'pending')
	);
	if (dead.length === 0) return null;
	if (report.testResults.some((file) => !dead.includes(file) && file.status !== 'passed')) {
		return null;
	}
	return dead.map((file) => file.name);
}

/** The first report with the rerun's files in place of the dead ones, its counts redone. */
export function mergeReports(first, rerun) {
	const byName = new Map(rerun.testResults.map((file) => [file.name, file]));
	const merged = {
		...first,
		testResults: first.testResults.map((file) => byName.get(file.name) ?? file)
	};
	const counts = countUnit(merged);
	return {
		...merged,
		numTotalTests: merged.testResults.flatMap((file) => file.assertionResults).length,
		numPassedTests: counts.passed,
		numFailedTests: counts.failed,
		numPendingTests: counts.skipped
	};
}
