import { defineConfig } from '@playwright/test';
import { chromiumArgs } from './scripts/chromium.js';

const PORT = Number(process.env.E2E_PORT ?? 4173);

export { chromiumArgs };

export default defineConfig({
	testDir: 'tests/e2e',
	fullyParallel: true,
	workers: 2,
	// No retries: a flaky test is a bug to fix, not to hide.
	retries: 0,
	timeout: 60_000,
	expect: { timeout: 10_000 },
	reporter: [['list'], ['json', { outputFile: 'test-reports/e2e.json' }]],
	use: {
		baseURL: `http://127.0.0.1:${PORT}/`,
		browserName: 'chromium',
		launchOptions: { executablePath: '/usr/bin/chromium', args: chromiumArgs },
		trace: 'retain-on-failure'
	},
	webServer: {
		command: `node scripts/serve.js`,
		env: { PORT: String(PORT), ROOT: 'build' },
		url: `http://127.0.0.1:${PORT}/`,
		reuseExistingServer: false,
		timeout: 30_000
	}
});
