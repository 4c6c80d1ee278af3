// The sync line people read must be true. Four people, each in a browser context of their own,
// type into one page for a while and drop off the network and come back at random, seeded so a
// failure can be replayed. Dropping off is Playwright's `context.setOffline` (which cuts the
// signaling WebSocket but, on loopback, not WebRTC data channels already open) together with
// "Work offline" (which closes them), so a peer that is away really receives nothing. At the end, with
// everyone back online, every one of them must have the same text and read "In sync · 3 peers":
// the line comes from what each transport knows each peer holds (state vectors), not from flags
// a reconnect can leave stale (before: three of four read "Syncing with 3 peers…" for minutes).
import { expect, test } from '@playwright/test';
import * as prng from 'lib0/prng';
import type { SignalingServer } from '../../server/signaling.js';
import { createSpace, editor } from './helpers';
import { join, person, shareLink, signalingServer, syncStatus, text, type Person } from './peers';

const SEED = Number(process.env.SYNC_LINE_SEED ?? 20261127);
const ROUNDS = 40;

let signal: SignalingServer;
const people: Person[] = [];

test.afterEach(async () => {
	await Promise.all(people.splice(0).map((p) => p.context.close()));
	await signal?.close();
});

/** Takes `person` off the network (and closes its peer connections), or brings it back. */
async function away({ page, context }: Person, gone: boolean) {
	// Off the network, then paused; back on the network, then resumed (as a person would).
	if (gone) await context.setOffline(true);
	else await context.setOffline(false);
	await syncStatus(page).click();
	await page.getByRole('button', { name: gone ? 'Work offline' : 'Resume sync' }).click();
	if (gone) await expect(syncStatus(page)).toHaveText('Sync paused');
	await page.keyboard.press('Escape');
}

test(`four people typing and dropping off at random all end "In sync" (seed ${SEED})`, async ({
	browser
}) => {
	test.setTimeout(240_000);
	const random = prng.create(SEED);
	signal = await signalingServer();
	const names = ['Ada', 'Bo', 'Cy', 'Di'];
	for (const name of names) people.push(await person(browser, [signal.url], name));
	const [first, ...others] = people as [Person, ...Person[]];
	await createSpace(first.page, 'Four of us');
	const link = await shareLink(first.page, 'Edit link');
	for (const other of others) await join(other.page, link);
	for (const { page } of people) {
		await expect(syncStatus(page)).toHaveText('In sync · 3 peers', { timeout: 60_000 });
	}

	// Offline means offline here: what one types then reaches nobody until it is back.
	const [, second] = people as [Person, Person];
	await away(second, true);
	await editor(second.page).click();
	await second.page.keyboard.type('while away ');
	await first.page.waitForTimeout(1_500);
	expect(await text(first.page)).not.toContain('while away');
	await away(second, false);
	await expect.poll(() => text(first.page), { timeout: 60_000 }).toContain('while away');

	const offline = new Set<number>();
	const words = ['north', 'river', 'lamp', 'seven', 'quiet', 'orbit', 'maple', 'drum'];
	for (let round = 0; round < ROUNDS; round++) {
		const who = prng.int32(random, 0, people.length - 1);
		const { page } = people[who] as Person;
		if (prng.bool(random) && prng.bool(random)) {
			// Drop off or come back.
			const goOffline = !offline.has(who);
			await away(people[who] as Person, goOffline);
			if (goOffline) offline.add(who);
			else offline.delete(who);
		} else {
			await editor(page).click();
			await editor(page).press('Control+End');
			await page.keyboard.type(`${names[who]}:${prng.oneOf(random, words)} `, { delay: 5 });
		}
		await page.waitForTimeout(prng.int32(random, 50, 400));
	}
	for (const who of offline) await away(people[who] as Person, false);

	// Everyone back: one text, and every line says so.
	for (const { page } of people) {
		await expect(syncStatus(page)).toHaveText('In sync · 3 peers', { timeout: 60_000 });
	}
	const expected = await text(first.page);
	expect(expected.length).toBeGreaterThan(20);
	for (const { page } of others) {
		await expect.poll(() => text(page), { timeout: 20_000 }).toBe(expected);
	}
	// And it stays true: a little later, nobody has slipped back to "Syncing".
	await first.page.waitForTimeout(3_000);
	for (const { page } of people) await expect(syncStatus(page)).toHaveText('In sync · 3 peers');
});
