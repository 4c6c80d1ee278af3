// Helpers for tests with several people: each person is a browser context of their own (its
// own storage, no BroadcastChannel with the others), so everything between them crosses over
// WebRTC, introduced by a signaling server this test starts on 127.0.0.1.
import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSignaling, type SignalingServer } from '../../server/signaling.js';
import { editor } from './helpers';

export interface Person {
	context: BrowserContext;
	page: Page;
}

export async function signalingServer(port = 0): Promise<SignalingServer> {
	return startSignaling({ port, host: '127.0.0.1', log: () => {} });
}

/** The project's server with its relay on /relay, keeping its data in a fresh directory. */
export async function relayServer(): Promise<SignalingServer & { relay: string; dataDir: string }> {
	const { startRelay } = await import('../../server/relay-server');
	const dataDir = mkdtempSync(joinPath(tmpdir(), 'cp-e2e-relay-'));
	const server = await startSignaling({
		port: 0,
		host: '127.0.0.1',
		log: () => {},
		relay: await startRelay({ dataDir })
	});
	return {
		...server,
		relay: `${server.url}/relay`,
		dataDir,
		close: async () => {
			await server.close();
			rmSync(dataDir, { recursive: true, force: true });
		}
	};
}

export interface RelayProcess {
	/** Signaling (ws://127.0.0.1:port) and the relay (…/relay), the same after a restart. */
	url: string;
	relay: string;
	dataDir: string;
	/** SIGKILL: no goodbye, no flush. */
	kill(): Promise<void>;
	/** Starts again on the same port and data directory. */
	restart(): Promise<void>;
	close(): Promise<void>;
}

/**
 * The compiled server (npm run server's code) in a process of its own, so a test can kill it;
 * build it first (scripts/build-server.js).
 */
export async function relayProcess(): Promise<RelayProcess> {
	const dataDir = mkdtempSync(joinPath(tmpdir(), 'cp-e2e-relay-'));
	const script = fileURLToPath(new URL('../adversary/relay-child.mjs', import.meta.url));
	let child: ChildProcess | null = null;
	const start = (port: number) =>
		new Promise<string>((resolve, reject) => {
			const next = fork(script, [JSON.stringify({ dataDir, port })], {
				stdio: ['ignore', 'inherit', 'inherit', 'ipc']
			});
			child = next;
			next.once('exit', (code) => reject(new Error(`the relay exited (${code})`)));
			next.on('message', (message: { type?: string; url?: string }) => {
				if (message.type === 'ready') resolve(message.url as string);
			});
		});
	const url = await start(0);
	const port = Number(new URL(url).port);
	const kill = async () => {
		const running = child;
		child = null;
		if (running === null || running.exitCode !== null) return;
		const exited = new Promise((resolve) => running.once('exit', resolve));
		running.kill('SIGKILL');
		await exited;
	};
	return {
		url,
		relay: `${url}/relay`,
		dataDir,
		kill,
		restart: async () => {
			await kill();
			await start(port);
		},
		close: async () => {
			await kill();
			rmSync(dataDir, { recursive: true, force: true });
		}
	};
}

/** A fresh browser profile that uses `signaling` (and `relays`) and no STUN (loopback only). */
export async function person(
	browser: Browser,
	signaling: string[],
	name: string,
	relays: string[] = []
): Promise<Person> {
	const context = await browser.newContext({
		baseURL: test.info().project.use.baseURL,
		permissions: ['camera', 'microphone']
	});
	await context.addInitScript(
		([urls, who, keep]) => {
			localStorage.setItem(
				'cp-network',
				JSON.stringify({ signaling: urls, iceServers: [], relays: keep })
			);
			if (localStorage.getItem('cp-profile') === null) {
				localStorage.setItem(
					'cp-profile',
					JSON.stringify({ name: who, color: '#0090ff', chosen: true })
				);
			}
		},
		[signaling, name, relays] as const
	);
	return { context, page: await context.newPage() };
}

export async function shareLink(page: Page, label: 'Edit link' | 'View link'): Promise<string> {
	await page.getByRole('button', { name: 'Share', exact: true }).click();
	const dialog = page.getByRole('dialog');
	const value = await dialog.getByLabel(label, { exact: true }).inputValue();
	await dialog.getByRole('button', { name: 'Done' }).click();
	return value;
}

/** Opens a share link in this person's browser, says yes, and waits until the space arrives. */
export async function join(page: Page, link: string): Promise<void> {
	await openLink(page, link);
	await expect(page).toHaveURL(/\/space\/\?id=/);
	await expect(editor(page)).toBeVisible({ timeout: 20_000 });
}

/** Opens a link (on `route`, home by default) and accepts the question it asks. */
export async function openLink(page: Page, link: string, route = './'): Promise<void> {
	await page.goto(`${route}${new URL(link).hash}`);
	const ask = page.getByRole('dialog', { name: /Add a shared space\?|Edit this space\?/ });
	await ask.getByRole('button', { name: /Add space|Use this link/ }).click();
}

export const syncStatus = (page: Page) => page.getByTestId('sync-status');

/** The text of the open page's editor, without the name labels of remote carets. */
export const text = (page: Page) =>
	editor(page).evaluate((element) => {
		const copy = element.cloneNode(true) as HTMLElement;
		copy.querySelectorAll('.remote-caret').forEach((caret) => caret.remove());
		return [...copy.children].map((block) => block.textContent).join('\n');
	});
