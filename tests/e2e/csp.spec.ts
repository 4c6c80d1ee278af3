// The Content-Security-Policy: every page carries it (a meta tag, svelte.config.js), the server
// sends what a meta tag cannot say (frame-ancestors) and nosniff, the app itself never trips it
// (home, a space with the editor, its menus and a peer over WebRTC, the share dialog with its QR
// codes and password checker, settings), and it stops a script injected into the page.
import { expect, test, type Page, type Response } from '@playwright/test';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { SignalingServer } from '../../server/signaling.js';
import { editor } from './helpers';
import { join, person, shareLink, signalingServer, text, type Person } from './peers';

let signal: SignalingServer | null = null;
const people: Person[] = [];

test.afterEach(async () => {
	await Promise.all(people.splice(0).map((p) => p.context.close()));
	await signal?.close();
	signal = null;
});

interface Violation {
	directive: string;
	blocked: string;
	sample: string;
}

/** Every CSP violation and CSP console error this page reports, across navigations. */
async function watchCsp(page: Page): Promise<{ violations: Violation[]; console: string[] }> {
	const seen = { violations: [] as Violation[], console: [] as string[] };
	await page.exposeFunction('__reportCsp', (v: Violation) => seen.violations.push(v));
	await page.addInitScript(() => {
		document.addEventListener('securitypolicyviolation', (event) => {
			(window as unknown as { __reportCsp(v: unknown): void }).__reportCsp({
				directive: event.effectiveDirective,
				blocked: event.blockedURI,
				sample: event.sample
			});
		});
	});
	page.on('console', (message) => {
		if (/content.security.policy/i.test(message.text())) seen.console.push(message.text());
	});
	return seen;
}

function expectHeaders(response: Response | null) {
	const headers = response?.headers() ?? {};
	expect(headers['content-security-policy']).toBe("frame-ancestors 'none'");
	expect(headers['x-content-type-options']).toBe('nosniff');
}

async function metaCsp(page: Page): Promise<string> {
	const meta = page.locator('meta[http-equiv="content-security-policy"]');
	await expect(meta).toHaveCount(1);
	return (await meta.getAttribute('content')) ?? '';
}

test('the app runs under its CSP without a single violation, and the CSP stops injected script', async ({
	browser
}) => {
	signal = await signalingServer();
	const ada = await person(browser, [signal.url], 'Ada');
	const bo = await person(browser, [signal.url], 'Bo');
	people.push(ada, bo);
	const seen = await watchCsp(ada.page);
	const seenByBo = await watchCsp(bo.page);

	// Home.
	expectHeaders(await ada.page.goto('./'));
	const policy = await metaCsp(ada.page);
	for (const directive of [
		"default-src 'self'",
		"object-src 'none'",
		"base-uri 'self'",
		"form-action 'self'",
		"worker-src 'self'",
		"manifest-src 'self'",
		"img-src 'self' data: blob:",
		"style-src 'self'",
		"connect-src 'self' wss: ws://127.0.0.1:* ws://localhost:*"
	])
		expect(policy).toContain(directive);
	// Kit's inline script and app.html's (the early keyring open) by hash, nothing else inline.
	expect(policy).toMatch(/script-src 'self'( 'sha256-[A-Za-z0-9+/=]+'){2,}(;|$)/);
	expect(policy).not.toContain('unsafe-eval');
	expect(policy).not.toMatch(/script-src[^;]*unsafe-inline/);
	// app.html's script as it is in the file (the keyring open ran: a blocked one is a violation).
	const appHtml = readFileSync('src/app.html', 'utf8');
	const inline = /<script>([\s\S]*?)<\/script>/.exec(appHtml)?.[1] ?? '';
	expect(policy).toContain(`'sha256-${createHash('sha256').update(inline).digest('base64')}'`);

	// A space with the editor, reached by a second person over signaling and WebRTC.
	await ada.page.getByRole('button', { name: 'New space' }).click();
	await ada.page.getByRole('dialog').getByLabel('Name').fill('Policy');
	await ada.page.getByRole('button', { name: 'Create', exact: true }).click();
	await expect(editor(ada.page)).toBeVisible();
	expectHeaders(await ada.page.reload());
	await metaCsp(ada.page);
	await editor(ada.page).click();
	await ada.page.keyboard.type('# Heading\nSome **bold** text and a list:\n- one\n- two\n');
	await ada.page.keyboard.type('/table');
	await ada.page.keyboard.press('Enter');
	await expect(editor(ada.page).locator('table')).toBeVisible();
	await join(bo.page, await shareLink(ada.page, 'Edit link'));
	await expect.poll(() => text(bo.page)).toContain('Some bold text and a list:');
	await editor(bo.page).click();
	await bo.page.keyboard.press('ControlOrMeta+End');
	await bo.page.keyboard.type(' from Bo');
	await expect.poll(() => text(ada.page)).toContain('from Bo');
	await expect(editor(ada.page).locator('.remote-caret')).toBeVisible();

	// Menus are placed through the CSSOM, never with a style attribute or element.
	await ada.page.getByRole('button', { name: 'Page actions' }).click();
	await expect(ada.page.getByRole('menu', { name: 'Page actions' })).toBeVisible();
	await ada.page.keyboard.press('Escape');
	await ada.page.getByRole('treeitem').first().focus();
	await ada.page.keyboard.press('Shift+F10');
	await expect(ada.page.getByRole('menu', { name: /^Actions for / })).toBeVisible();
	await ada.page.keyboard.press('Escape');
	await expect(ada.page.getByRole('menu')).toBeHidden();

	// The share dialog: both QR codes, the password checker and a protected link's QR code.
	await ada.page.getByRole('button', { name: 'Share', exact: true }).click();
	const dialog = ada.page.getByRole('dialog');
	for (const which of ['edit', 'view']) {
		await dialog.getByRole('button', { name: `QR code of the ${which} link` }).click();
		await expect(dialog.getByRole('img', { name: `QR code of the ${which} link` })).toBeVisible();
	}
	await dialog.getByRole('button', { name: 'Suggest a passphrase' }).click();
	await expect(dialog.getByText('Strong enough.')).toBeVisible();
	await dialog.getByRole('button', { name: 'Protect', exact: true }).click();
	await dialog.getByRole('button', { name: 'QR code of the protected view link' }).click();
	await expect(
		dialog.getByRole('img', { name: 'QR code of the protected view link' })
	).toBeVisible();
	await dialog.getByRole('button', { name: 'Done' }).click();

	// Settings (its colour swatches are drawn with style attributes).
	expectHeaders(await ada.page.goto('./settings/'));
	await metaCsp(ada.page);
	await expect(ada.page.getByRole('heading', { name: 'Settings' })).toBeVisible();
	const network = ada.page.getByRole('region', { name: 'Network' });
	await network.getByRole('button', { name: 'Test servers' }).click();
	await expect(network.getByTestId('reachability')).toHaveText('1 of 1 signaling server reachable');

	expect(seen.violations).toEqual([]);
	expect(seen.console).toEqual([]);
	expect(seenByBo.violations).toEqual([]);
	expect(seenByBo.console).toEqual([]);

	// An injected inline script, an inline event handler and code from a string all fail to run.
	const ran = await ada.page.evaluate(async () => {
		const flags = window as unknown as Record<string, boolean>;
		const script = document.createElement('script');
		script.textContent = 'window.__injected = true';
		document.head.append(script);
		const img = document.createElement('img');
		img.setAttribute('onerror', 'window.__handler = true');
		img.src = 'data:,not-an-image';
		document.body.append(img);
		// Code from a string (eval's kind; DevTools' own evaluation is exempt, a timer is not).
		(setTimeout as unknown as (code: string, ms: number) => void)('window.__timer = true', 0);
		await new Promise((resolve) => setTimeout(resolve, 200));
		return { script: !!flags.__injected, handler: !!flags.__handler, eval: !!flags.__timer };
	});
	expect(ran).toEqual({ script: false, handler: false, eval: false });
	await expect
		.poll(() => seen.violations.map((v) => v.directive).sort())
		.toEqual(['script-src', 'script-src-attr', 'script-src-elem']);
});

test('the server sends the headers a meta CSP cannot carry, on every response', async ({
	request
}) => {
	for (const path of ['./', './space/', './settings/', './service-worker.js', './nowhere']) {
		const response = await request.get(path, { maxRedirects: 0 });
		expect(response.headers()['content-security-policy'], path).toBe("frame-ancestors 'none'");
		expect(response.headers()['x-content-type-options'], path).toBe('nosniff');
	}
	const redirect = await request.get('./settings', { maxRedirects: 0 });
	expect(redirect.status()).toBe(301);
	expect(redirect.headers()['content-security-policy']).toBe("frame-ancestors 'none'");
});
