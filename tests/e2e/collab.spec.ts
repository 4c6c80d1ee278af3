// Two and three people, each in a browser context of their own, editing one space live over
// WebRTC through a signaling server on 127.0.0.1.
import { expect, test } from '@playwright/test';
import type { SignalingServer } from '../../server/signaling.js';
import { hostileSignalingServer } from '../adversary/signaling';
import { createSpace, editor, newPage, treeItem, treeOutline } from './helpers';
import {
	join,
	openLink,
	person,
	shareLink,
	signalingServer,
	syncStatus,
	text,
	type Person
} from './peers';

let signal: SignalingServer;
const people: Person[] = [];

test.beforeEach(async () => {
	signal = await signalingServer();
});

test.afterEach(async () => {
	await Promise.all(people.splice(0).map((p) => p.context.close()));
	await signal.close();
});

async function two(browser: import('@playwright/test').Browser) {
	const a = await person(browser, [signal.url], 'Ada');
	const b = await person(browser, [signal.url], 'Bo');
	people.push(a, b);
	await createSpace(a.page, 'Shared notes');
	await expect(syncStatus(a.page)).toHaveText('Only you here');
	const link = await shareLink(a.page, 'Edit link');
	await join(b.page, link);
	await expect(syncStatus(a.page)).toHaveText('In sync · 1 peer');
	await expect(syncStatus(b.page)).toHaveText('In sync · 1 peer');
	return { a: a.page, b: b.page };
}

test('B joins by the edit link; both type at once and end with the same text', async ({
	browser
}) => {
	const { a, b } = await two(browser);
	await editor(a).click();
	await editor(b).click();
	await Promise.all([
		editor(a).pressSequentially('alpha beta gamma ', { delay: 15 }),
		editor(b).pressSequentially('one two three ', { delay: 15 })
	]);
	await expect(editor(a)).toContainText('alpha beta gamma');
	await expect(editor(a)).toContainText('one two three');
	await expect.poll(async () => (await text(b)) === (await text(a))).toBe(true);
	// Each sees the other's caret, with their name.
	await expect(a.locator('.remote-caret-label')).toHaveText('Bo');
	await expect(b.locator('.remote-caret-label')).toHaveText('Ada');
});

test('a table inserted by one arrives whole at the other, whose editor loads tables for it', async ({
	browser
}) => {
	const { a, b } = await two(browser);
	await editor(a).click();
	await editor(a).pressSequentially('Above the table.');
	await expect(editor(b)).toContainText('Above the table.');
	// Neither page held a table, so neither editor has table support yet (it loads on first use):
	// B's must not drop the table y-prosemirror cannot build, but rebuild with tables.
	await expect(editor(b).locator('table')).toHaveCount(0);
	await editor(a).press('End');
	await editor(a).press('Enter');
	await a.getByRole('button', { name: 'Table', exact: true }).click();
	await expect(editor(a).locator('table tr')).toHaveCount(3);
	await expect(editor(b).locator('table tr')).toHaveCount(3);
	await a.keyboard.type('From Ada');
	await expect.poll(() => text(b)).toContain('From Ada');
	// B writes in the table too; both keep it, whole.
	await editor(b).locator('td').first().click();
	await b.keyboard.type('From Bo');
	await expect.poll(() => text(a)).toContain('From Bo');
	await expect(editor(a).locator('table tr')).toHaveCount(3);
	await expect(editor(b).locator('table tr')).toHaveCount(3);
	await expect(editor(b)).toContainText('Above the table.');
	await expect.poll(async () => (await text(b)) === (await text(a))).toBe(true);
});

test('page-tree changes sync both ways', async ({ browser }) => {
	const { a, b } = await two(browser);
	await newPage(a, 'Plans');
	await expect(treeItem(b, 'Plans')).toBeVisible();
	await newPage(b, 'Ideas');
	await expect(treeItem(a, 'Ideas')).toBeVisible();
	await expect.poll(() => treeOutline(b)).toEqual(await treeOutline(a));
});

test('a viewer sees live edits and cannot type', async ({ browser }) => {
	const a = await person(browser, [signal.url], 'Ada');
	const c = await person(browser, [signal.url], 'Cy');
	people.push(a, c);
	await createSpace(a.page, 'Read me');
	await editor(a.page).click();
	await editor(a.page).pressSequentially('Before the viewer came.');
	const link = await shareLink(a.page, 'View link');
	await join(c.page, link);
	await expect(c.page.getByText('View only')).toBeVisible();
	await expect(editor(c.page)).toContainText('Before the viewer came.');
	await editor(a.page).press('End');
	await editor(a.page).pressSequentially(' Live, while watched.');
	await expect(editor(c.page)).toContainText('Live, while watched.');
	// C's editor refuses input.
	await expect(editor(c.page)).toHaveAttribute('contenteditable', 'false');
	await editor(c.page).click();
	await c.page.keyboard.type('sneaky');
	await expect(editor(c.page)).not.toContainText('sneaky');
	await expect(editor(a.page)).not.toContainText('sneaky');
	// A sees C in the space, as a viewer.
	await a.page.getByTestId('sync-status').click();
	await expect(a.page.getByRole('list', { name: 'Here now' })).toContainText('Cy');
	await expect(a.page.getByRole('list', { name: 'Here now' })).toContainText('viewing');
});

test('offline edits on both sides merge when sync resumes', async ({ browser }) => {
	const { a, b } = await two(browser);
	await editor(a).click();
	await editor(a).pressSequentially('Shared start.');
	await expect(editor(b)).toContainText('Shared start.');
	for (const page of [a, b]) {
		await syncStatus(page).click();
		await page.getByRole('button', { name: 'Work offline' }).click();
		await expect(syncStatus(page)).toHaveText('Sync paused');
		await page.keyboard.press('Escape');
	}
	await editor(a).press('Control+End');
	await editor(a).pressSequentially(' Written by A offline.');
	await editor(b).click();
	await editor(b).press('Control+End');
	await editor(b).press('Enter');
	await editor(b).pressSequentially('Written by B offline.');
	await b.waitForTimeout(500);
	await expect(editor(a)).not.toContainText('Written by B offline.');
	await expect(editor(b)).not.toContainText('Written by A offline.');
	for (const page of [a, b]) {
		await syncStatus(page).click();
		await page.getByRole('button', { name: 'Resume sync' }).click();
	}
	for (const page of [a, b]) {
		await expect(editor(page)).toContainText('Written by A offline.');
		await expect(editor(page)).toContainText('Written by B offline.');
	}
	await expect.poll(async () => (await text(b)) === (await text(a))).toBe(true);
});

test('the signaling server restarts mid-session; peers find each other again', async ({
	browser
}) => {
	const { a, b } = await two(browser);
	await editor(a).click();
	await editor(a).pressSequentially('Before the restart.');
	await expect(editor(b)).toContainText('Before the restart.');
	const port = signal.port;
	await signal.close();
	// B reloads while the server is down: its direct connection to A is gone and cannot be
	// made again until the server is back.
	await b.reload();
	await expect(syncStatus(b)).toHaveText('Connecting…');
	await editor(a).press('Control+End');
	await editor(a).pressSequentially(' Written while apart.');
	await b.waitForTimeout(500);
	await expect(editor(b)).not.toContainText('Written while apart.');
	signal = await signalingServer(port);
	await expect(syncStatus(b)).toHaveText('In sync · 1 peer', { timeout: 20_000 });
	await expect(editor(b)).toContainText('Written while apart.');
	await editor(b).click();
	await editor(b).press('Control+End');
	await editor(b).pressSequentially(' And after.');
	await expect(editor(a)).toContainText('And after.');
});

test('several signaling servers: one of them dead changes nothing', async ({ browser }) => {
	const dead = 'ws://127.0.0.1:9';
	const a = await person(browser, [dead, signal.url], 'Ada');
	const b = await person(browser, [signal.url, dead], 'Bo');
	people.push(a, b);
	await createSpace(a.page, 'Redundant');
	await join(b.page, await shareLink(a.page, 'Edit link'));
	await expect(syncStatus(a.page)).toHaveText('In sync · 1 peer');
	await syncStatus(a.page).click();
	await expect(a.page.getByTestId('signaling-summary')).toContainText(
		'1 of 2 signaling servers connected'
	);
	await editor(b.page).click();
	await editor(b.page).pressSequentially('Through the live one.');
	await expect(editor(a.page)).toContainText('Through the live one.');
});

test('a peer with a garbled key never connects and is told it is waiting', async ({ browser }) => {
	const a = await person(browser, [signal.url], 'Ada');
	const d = await person(browser, [signal.url], 'Dee');
	people.push(a, d);
	await createSpace(a.page, 'Private');
	await editor(a.page).click();
	await editor(a.page).pressSequentially('Not for Dee.');
	const link = await shareLink(a.page, 'Edit link');
	// One character changed: still a well-formed key, but not this space's.
	const hash = new URL(link).hash;
	const at = hash.length - 5;
	const garbled = hash.slice(0, at) + (hash[at] === 'A' ? 'B' : 'A') + hash.slice(at + 1);
	await openLink(d.page, `${link.split('#')[0]}${garbled}`);
	await expect(d.page).toHaveURL(/\/space\/\?id=/);
	await expect(d.page.getByTestId('join-status')).toContainText(
		'Waiting for someone who has this space to come online'
	);
	await d.page.waitForTimeout(3_000);
	await expect(syncStatus(a.page)).toHaveText('Only you here');
	await expect(d.page.getByTestId('join-status')).toBeVisible();
	await expect(d.page.getByText('Not for Dee.')).toHaveCount(0);
});

test('a hostile signaling server sending junk changes nothing and throws nothing', async ({
	browser
}) => {
	// A second "signaling server" that answers every subscription with junk (not JSON, binary,
	// data that is not base64 or does not open under the room key).
	const hostile = await hostileSignalingServer();
	const a = await person(browser, [signal.url, hostile.url], 'Ada');
	const b = await person(browser, [hostile.url, signal.url], 'Bo');
	people.push(a, b);
	const errors: string[] = [];
	let ignored = 0;
	for (const { page } of [a, b]) {
		page.on('pageerror', (error) => errors.push(error.message));
		page.on('console', (message) => {
			if (message.text().startsWith('Ignored a signaling message')) ignored++;
		});
	}
	try {
		await createSpace(a.page, 'Under fire');
		await join(b.page, await shareLink(a.page, 'Edit link'));
		await expect(syncStatus(a.page)).toHaveText('In sync · 1 peer');
		await editor(b.page).click();
		await editor(b.page).pressSequentially('Still talking.');
		await expect(editor(a.page)).toContainText('Still talking.');
		expect(hostile.junkSent()).toBeGreaterThan(0);
		expect(errors).toEqual([]);
		expect(ignored).toBeGreaterThan(0);
	} finally {
		await hostile.close();
	}
});
