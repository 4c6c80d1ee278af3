import { chromium, expect, test } from '@playwright/test';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromiumArgs } from '../../playwright.config';
import { serve } from '../../scripts/serve.js';
import { createSpace, editor, waitForServiceWorker } from './helpers';

test('Chromium finds the app installable', async ({ baseURL }) => {
	// A real profile: Playwright's default contexts are incognito, which is never installable.
	const profile = mkdtempSync(join(tmpdir(), 'cp-install-'));
	const context = await chromium.launchPersistentContext(profile, {
		executablePath: '/usr/bin/chromium',
		args: chromiumArgs,
		baseURL
	});
	const page = context.pages()[0] ?? (await context.newPage());
	await page.goto('./');
	await waitForServiceWorker(page);
	const cdp = await context.newCDPSession(page);
	const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
	expect(installabilityErrors).toEqual([]);
	const manifest = await cdp.send('Page.getAppManifest');
	expect(manifest.errors).toEqual([]);
	const parsed = JSON.parse(manifest.data ?? '{}') as {
		icons: Array<{ sizes: string; purpose?: string }>;
	};
	expect(parsed.icons.map((i) => `${i.sizes} ${i.purpose ?? 'any'}`)).toEqual([
		'192x192 any',
		'512x512 any',
		'512x512 maskable'
	]);
	await context.close();
	rmSync(profile, { recursive: true, force: true });
});

test.describe('a new version', () => {
	let root: string;
	let server: Server;
	const port = 4300 + Number(process.env.TEST_PARALLEL_INDEX ?? 0);
	test.use({ baseURL: `http://127.0.0.1:${port}/` });

	test.beforeEach(async () => {
		// A deploy of its own, so this test can publish a "new version" without touching others.
		root = mkdtempSync(join(tmpdir(), 'cp-deploy-'));
		cpSync('build', root, { recursive: true });
		server = (await serve({ root, port, quiet: true })) as Server;
	});

	test.afterEach(async () => {
		await new Promise((resolve) => server.close(resolve));
		rmSync(root, { recursive: true, force: true });
	});

	test('waits for consent: "Update available — reload", never swapping code under the editor', async ({
		page
	}) => {
		await createSpace(page, 'Updating');
		await waitForServiceWorker(page);
		await page.reload();
		await editor(page).click();
		await page.keyboard.type('open while updating');
		const before = await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL);
		expect(before).toBeTruthy();

		// Publish a new build: the service worker script changes.
		const worker = join(root, 'service-worker.js');
		writeFileSync(worker, `${readFileSync(worker, 'utf8')}\n// next version\n`);
		await page.evaluate(async () => {
			const registration = await navigator.serviceWorker.getRegistration();
			await registration?.update();
		});

		const toast = page.getByRole('status').filter({ hasText: 'Update available' });
		await expect(toast).toBeVisible();
		// Nothing was swapped: the editor keeps working under the old version.
		await page.keyboard.type(' still typing');
		await expect(editor(page)).toHaveText('open while updating still typing');
		expect(await page.evaluate(() => navigator.serviceWorker.controller?.state)).toBe('activated');

		await Promise.all([
			page.waitForEvent('load'),
			toast.getByRole('button', { name: 'Reload' }).click()
		]);
		await expect(editor(page)).toHaveText('open while updating still typing');
		await expect(page.getByRole('status').filter({ hasText: 'Update available' })).toHaveCount(0);
		const waiting = await page.evaluate(async () => {
			const registration = await navigator.serviceWorker.getRegistration();
			return registration?.waiting ?? null;
		});
		expect(waiting).toBeNull();
	});
});
