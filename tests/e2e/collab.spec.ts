// Two and three people, each in a browser context of their own, editing one space live over
// WebRTC through a signaling server on 127.0.0.1.
import { expect, test } from '@playwright/test';
import type { SignalingServer } from '../../server/signaling.js';
import { createSpace, editor, newPage, treeItem, treeOutline } from './helpers';
import { join, person, shareLink, signalingServer, syncStatus, text, type Person } from './peers';

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

test('page-tree changes sync both ways', async ({ browser }) => {
	const { a, b } = await two(browser);
	await newPage(a, 'Plans');
	await expect(treeItem(b, 'Plans')).toBeVisible();
	await newPage(b, 'Ideas');
	await expect(treeItem(a, 'Ideas')).toBeVisible();
	await expect.poll(() => treeOutline(b)).toEqual(await treeOutline(a));
});
