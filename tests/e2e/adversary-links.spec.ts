// Hostile links and the device's own storage: a view link whose signing key was swapped leads
// to another, empty room (never into the real one with forged authority), and what arrives from
// peers is not written to this device's quick-save journal (only what it wrote itself is).
import { expect, test } from '@playwright/test';
import nacl from 'tweetnacl';
import type { SignalingServer } from '../../server/signaling.js';
import { fromB64url, toB64url } from '../../src/lib/crypto/bytes';
import { createSpace, editor } from './helpers';
import {
	join,
	openLink,
	person,
	shareLink,
	signalingServer,
	syncStatus,
	type Person
} from './peers';

let signal: SignalingServer;
const people: Person[] = [];

test.afterEach(async () => {
	await Promise.all(people.splice(0).map((p) => p.context.close()));
	await signal.close();
});

test('a view link with a swapped signing key leads to an empty room of its own', async ({
	browser
}) => {
	signal = await signalingServer();
	const ada = await person(browser, [signal.url], 'Ada');
	const mal = await person(browser, [signal.url], 'Mal');
	people.push(ada, mal);
	await createSpace(ada.page, 'Real space');
	await editor(ada.page).click();
	await editor(ada.page).pressSequentially('Only Ada signs here.');
	const view = await shareLink(ada.page, 'View link');
	const payload = fromB64url(new URL(view).hash.slice(4)) as Uint8Array;
	// r1.<readKey ‖ attackerPk>: the real read key, someone else's signing key.
	const forged = new Uint8Array(64);
	forged.set(payload.subarray(0, 32));
	forged.set(nacl.sign.keyPair().publicKey, 32);
	const realRoom = new URL(ada.page.url()).searchParams.get('id');

	await openLink(mal.page, `${view.split('#')[0]}#r1.${toB64url(forged)}`);
	await expect(mal.page).toHaveURL(/\/space\/\?id=/);
	expect(new URL(mal.page.url()).searchParams.get('id')).not.toBe(realRoom);
	await expect(mal.page.getByTestId('join-status')).toContainText(
		'Waiting for someone who has this space to come online'
	);
	// Ada never meets the forged room: she stays alone, and Mal sees none of her text.
	await mal.page.waitForTimeout(3_000);
	await expect(syncStatus(ada.page)).toHaveText('Only you here');
	await expect(mal.page.getByText('Only Ada signs here.')).toHaveCount(0);
});

test('what arrives from peers is not journalled; what this device writes is', async ({
	browser
}) => {
	signal = await signalingServer();
	const ada = await person(browser, [signal.url], 'Ada');
	const bo = await person(browser, [signal.url], 'Bo');
	people.push(ada, bo);
	await createSpace(ada.page, 'Journal');
	await join(bo.page, await shareLink(ada.page, 'Edit link'));
	await editor(ada.page).click();
	await editor(ada.page).pressSequentially('typed by Ada, many times over.');
	await expect(editor(bo.page)).toContainText('typed by Ada, many times over.');
	const journal = (page: typeof ada.page) =>
		page.evaluate(() => {
			const entries: unknown[] = [];
			for (let i = 0; i < localStorage.length; i++) {
				const key = localStorage.key(i) as string;
				if (key.startsWith('cp-journal-'))
					entries.push(...JSON.parse(localStorage.getItem(key) ?? '[]'));
			}
			return entries.length;
		});
	// Ada's own keystrokes are in her journal for a few seconds; none of them are in Bo's.
	expect(await journal(ada.page)).toBeGreaterThan(0);
	expect(await journal(bo.page)).toBe(0);
});
