// Big messages: data channels drop messages over ~256 KiB, and a newcomer's first sync is one
// message. A single 2 MB paste, and a whole 5 MB space, must reach a newcomer intact.
import { expect, test, type Page } from '@playwright/test';
import type { SignalingServer } from '../../server/signaling.js';
import { createSpace, newPage, pasteText, treeItem } from './helpers';
import { join, person, shareLink, signalingServer, text, type Person } from './peers';

let signal: SignalingServer;
const people: Person[] = [];

test.afterEach(async () => {
	await Promise.all(people.splice(0).map((p) => p.context.close()));
	await signal.close();
});

const digest = (page: Page) =>
	text(page).then(async (value) => {
		const hash = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(value));
		return { length: value.length, hash: Buffer.from(hash).toString('hex') };
	});

test('a 2 MB paste and a 5 MB space reach a newcomer intact', async ({ browser }) => {
	test.setTimeout(120_000);
	signal = await signalingServer();
	const a = await person(browser, [signal.url], 'Ada');
	const b = await person(browser, [signal.url], 'Bo');
	people.push(a, b);
	await createSpace(a.page, 'Heavy');
	await pasteText(a.page, 2 * 1024 * 1024, 1);
	await expect
		.poll(async () => (await text(a.page)).length, { timeout: 30_000 })
		.toBeGreaterThan(2_000_000);
	const first = await digest(a.page);
	await newPage(a.page, 'Second');
	await pasteText(a.page, 3 * 1024 * 1024, 2);
	await expect
		.poll(async () => (await text(a.page)).length, { timeout: 30_000 })
		.toBeGreaterThan(3_000_000);
	const second = await digest(a.page);
	const logBytes = await a.page.evaluate(() => {
		const log = (
			window as unknown as {
				commonplaceDebug: { log: { getArray(n: string): { toArray(): Uint8Array[] } } };
			}
		).commonplaceDebug.log.getArray('log');
		return log.toArray().reduce((sum, entry) => sum + entry.length, 0);
	});
	expect(logBytes).toBeGreaterThan(5 * 1024 * 1024);

	await join(b.page, await shareLink(a.page, 'Edit link'));
	await expect
		.poll(async () => (await digest(b.page)).length, { timeout: 30_000 })
		.toBe(first.length);
	expect(await digest(b.page)).toEqual(first);
	await treeItem(b.page, 'Second').click();
	await expect
		.poll(async () => (await digest(b.page)).length, { timeout: 30_000 })
		.toBe(second.length);
	expect(await digest(b.page)).toEqual(second);

	// And a 2 MB paste made while both are connected arrives as it is typed: live.
	await treeItem(a.page, 'Second').click();
	await newPage(a.page, 'Third');
	await pasteText(a.page, 2 * 1024 * 1024, 3);
	await expect
		.poll(async () => (await text(a.page)).length, { timeout: 30_000 })
		.toBeGreaterThan(2_000_000);
	const third = await digest(a.page);
	await treeItem(b.page, 'Third').click();
	await expect
		.poll(async () => (await digest(b.page)).length, { timeout: 30_000 })
		.toBe(third.length);
	expect(await digest(b.page)).toEqual(third);
});
