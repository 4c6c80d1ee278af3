/** The part of Vitest's JSON report that `npm test` reads. */
export interface UnitReport {
	numTotalTests: number;
	numPassedTests: number;
	numFailedTests: number;
	numPendingTests: number;
	testResults: Array<{
		name: string;
		status: string;
		assertionResults: Array<{ title: string; status: string }>;
	}>;
}

export function countUnit(report: UnitReport): {
	passed: number;
	failed: number;
	skipped: number;
	unfinished: number;
};

export function deadWorkerFiles(report: UnitReport, output: string): string[] | null;

export function mergeReports(first: UnitReport, rerun: UnitReport): UnitReport;
