// Relays carry a space where browsers cannot reach each other. Each browser here may use only
// TURN-relayed WebRTC and has no TURN server, as behind a strict firewall: peers meet on the
// signaling server but no connection ever opens, so every edit below crosses the relay. The
// relay is the compiled server in a process of its own, so it can be killed and started again.
import { expect, test } from '@playwright/test';
import { buildServer } from '../../scripts/build-server.js';
import { createSpace, editor } from './helpers';
import {
	join,
	person,
	relayProcess,
	relayServer,
	shareLink,
	signalingServer,
	syncStatus,
	text,
	type Person,
	type RelayProcess
} from './peers';

const people: Person[] = [];
const servers: Array<{ close(): Promise<void> }> = [];

test.beforeAll(async () => {
	await buildServer();
});

test.afterEach(async () => {
	await Promise.all(people.splice(0).map((p) => p.context.close().catch(() => {})));
	for (const server of servers.splice(0)) await server.close();
});

/** Someone whose browser can make no direct connection: WebRTC only through TURN, and no TURN. */
async function firewalled(
	browser: import('@playwright/test').Browser,
	signal: string,
	name: string,
	relays: string[]
): Promise<Person> {
	const someone = await person(browser, [signal], name, relays);
	await someone.context.addInitScript(() => {
		const Native = window.RTCPeerConnection;
		window.RTCPeerConnection = class extends Native {
			constructor(config?: RTCConfiguration) {
				super({ ...config, iceTransportPolicy: 'relay' });
			}
		};
	});
	return someone;
}

/** Alice makes a space kept on `relays`; Bob joins it by the edit link. */
async function pair(browser: import('@playwright/test').Browser, signal: string, relays: string[]) {
	const alice = await firewalled(browser, signal, 'Alice', relays);
	const bob = await firewalled(browser, signal, 'Bob', relays);
	people.push(alice, bob);
	await createSpace(alice.page, 'Across the firewall');
	await editor(alice.page).click();
	await editor(alice.page).pressSequentially('Alice was here.');
	await expect(syncStatus(alice.page)).toContainText('kept on', { timeout: 20_000 });
	await join(bob.page, await shareLink(alice.page, 'Edit link'));
	await expect.poll(() => text(bob.page), { timeout: 20_000 }).toContain('Alice was here.');
	return { alice, bob };
}

/** Types at the end (or the start) of the page's text. */
async function typeAtEnd(page: import('@playwright/test').Page, words: string, at = 'End') {
	await editor(page).click();
	await page.keyboard.press(`Control+${at}`);
	await page.keyboard.type(words, { delay: 20 });
}

test('with WebRTC blocked, two people edit live through the relay and see each other’s carets', async ({
	browser
}) => {
	const server = await relayServer();
	servers.push(server);
	const { alice, bob } = await pair(browser, server.url, [server.relay]);
	// No direct connection: the relay is the only way, and the sync line says so.
	await expect(syncStatus(alice.page)).toHaveText('In sync · kept on 1 relay');
	await expect(syncStatus(bob.page)).toHaveText('In sync · kept on 1 relay');

	await typeAtEnd(bob.page, ' Bob too.');
	await expect.poll(() => text(alice.page), { timeout: 10_000 }).toContain('Bob too.');
	await typeAtEnd(alice.page, ' And back.');
	await expect.poll(() => text(bob.page), { timeout: 10_000 }).toContain('And back.');
	// Both at once, at either end: they end with the same text, holding both.
	await Promise.all([typeAtEnd(alice.page, ' A1 A2 A3'), typeAtEnd(bob.page, 'B1 B2 B3 ', 'Home')]);
	await expect
		.poll(async () => (await text(alice.page)) === (await text(bob.page)), { timeout: 15_000 })
		.toBe(true);
	for (const word of ['A3', 'B3']) expect(await text(alice.page)).toContain(word);
	// Presence crosses the relay too: each sees the other's named caret, and who is here.
	await expect(alice.page.locator('.remote-caret-label')).toHaveText('Bob', { timeout: 10_000 });
	await expect(bob.page.locator('.remote-caret-label')).toHaveText('Alice', { timeout: 10_000 });
});

interface Debug {
	commonplaceDebug: {
		log: {
			getArray(name: string): {
				length: number;
				get(i: number): unknown;
				push(items: unknown[]): void;
				delete(at: number, n: number): void;
			};
			transact(change: () => void): void;
		};
	};
}

test('a viewer forging through the relay changes nothing for the others', async ({ browser }) => {
	const server = await relayServer();
	servers.push(server);
	const { alice } = await pair(browser, server.url, [server.relay]);
	const viewer = await firewalled(browser, server.url, 'Vic', [server.relay]);
	people.push(viewer);
	await join(viewer.page, await shareLink(alice.page, 'View link'));
	await expect.poll(() => text(viewer.page), { timeout: 20_000 }).toContain('Alice was here.');
	const before = await text(alice.page);

	// From the console: junk, an unsigned copy of a real entry, and every real entry deleted.
	await viewer.page.evaluate(() => {
		const doc = (window as unknown as Debug).commonplaceDebug.log;
		const log = doc.getArray('log');
		const unsigned = (log.get(0) as Uint8Array).slice();
		unsigned.fill(0, 1, 65);
		const had = log.length;
		doc.transact(() => {
			log.push([crypto.getRandomValues(new Uint8Array(300)), unsigned]);
			log.delete(0, had);
		});
	});
	// Alice keeps her text and goes on; the deleted entries are put back (by the relay, and
	// any honest peer) and the junk dropped, so a newcomer served by the relay alone, with
	// everyone else gone, gets the real space.
	await typeAtEnd(alice.page, ' After the forgery.');
	const after = await text(alice.page);
	expect(after.startsWith(before) && after.endsWith('After the forgery.')).toBe(true);
	await expect(syncStatus(alice.page)).toHaveText('In sync · kept on 1 relay');
	await alice.page.waitForTimeout(2_000); // the relay's tidying pause (at most 1.5 s)
	const link = await shareLink(alice.page, 'View link');
	for (const p of people.splice(0)) await p.context.close();
	const newcomer = await firewalled(browser, server.url, 'Nia', [server.relay]);
	people.push(newcomer);
	await join(newcomer.page, link);
	await expect.poll(() => text(newcomer.page), { timeout: 20_000 }).toBe(after);
});

test('the relay is killed mid-typing and restarted: the app reconnects and nothing is lost', async ({
	browser
}) => {
	// Signaling stays up; only the relay (a process of its own) dies.
	const signal = await signalingServer();
	const relay: RelayProcess = await relayProcess();
	servers.push(signal, relay);
	const { alice, bob } = await pair(browser, signal.url, [relay.relay]);

	await typeAtEnd(alice.page, ' Before the crash.');
	await expect(syncStatus(alice.page)).toHaveText('In sync · kept on 1 relay');
	const typing = typeAtEnd(alice.page, ' While it was down, every word is kept here.');
	await alice.page.waitForTimeout(300);
	await relay.kill();
	await typing;
	await expect(syncStatus(alice.page)).toHaveText('Relay unreachable — kept only on your devices', {
		timeout: 15_000
	});
	await relay.restart();
	// Back by itself (its retry waits at most 30 s), and holding everything again.
	for (const page of [alice.page, bob.page]) {
		await expect(syncStatus(page)).toHaveText('In sync · kept on 1 relay', {
			timeout: 45_000
		});
	}
	await expect
		.poll(() => text(bob.page), { timeout: 15_000 })
		.toContain('every word is kept here.');

	// What the relay acknowledged survived the crash: a newcomer, alone with the relay, gets it all.
	const link = await shareLink(alice.page, 'View link');
	const expected = await text(alice.page);
	for (const p of people.splice(0)) await p.context.close();
	const carol = await person(browser, [signal.url], 'Carol', [relay.relay]);
	people.push(carol);
	await join(carol.page, link);
	await expect.poll(() => text(carol.page), { timeout: 20_000 }).toBe(expected);
});

test('two relays, one killed: editing goes on through the other', async ({ browser }) => {
	const steady = await relayServer();
	const doomed = await relayProcess();
	servers.push(steady, doomed);
	const { alice, bob } = await pair(browser, steady.url, [steady.relay, doomed.relay]);
	await expect(syncStatus(alice.page)).toHaveText('In sync · kept on 2 relays', {
		timeout: 20_000
	});
	await doomed.kill();
	await expect(syncStatus(alice.page)).toHaveText('In sync · kept on 1 relay', {
		timeout: 15_000
	});
	await typeAtEnd(alice.page, ' Still going.');
	await expect.poll(() => text(bob.page), { timeout: 10_000 }).toContain('Still going.');
	await typeAtEnd(bob.page, ' Both of us.');
	await expect.poll(() => text(alice.page), { timeout: 10_000 }).toContain('Both of us.');
});

test('"Keep on relays" off for a space: this device stops sending it to relays, and can start again', async ({
	browser
}) => {
	const server = await relayServer();
	servers.push(server);
	const alice = await person(browser, [server.url], 'Alice', [server.relay]);
	people.push(alice);
	await createSpace(alice.page, 'Only here');
	await expect(syncStatus(alice.page)).toHaveText('In sync · kept on 1 relay', {
		timeout: 20_000
	});
	const connected = () => server.stats().relay?.relayConnections;
	await expect.poll(connected).toBe(1);

	await alice.page.getByRole('button', { name: 'Share', exact: true }).click();
	const dialog = alice.page.getByRole('dialog');
	await expect(dialog.getByText(/Kept on the relay, sealed/)).toBeVisible();
	// The relay link, for an operator: it keeps and cannot read (npm run server -- keep <link>).
	await dialog.getByText('A relay link, for whoever runs a relay').click();
	await expect(dialog.getByLabel('Relay link', { exact: true })).toHaveValue(
		/#b1\.[A-Za-z0-9_-]+$/
	);
	await dialog.getByRole('checkbox', { name: 'Keep on relays' }).uncheck();
	await expect(dialog.getByText(/Not sent to the relay from this device/)).toBeVisible();
	await alice.page.keyboard.press('Escape');
	await expect(syncStatus(alice.page)).toHaveText('Only you here');
	await expect.poll(connected).toBe(0);
	// Still off after a reload, and the space list says so.
	await alice.page.reload();
	await expect(syncStatus(alice.page)).toHaveText('Only you here');
	await alice.page.goto('./');
	await expect(alice.page.getByText(/not kept on relays/)).toBeVisible();

	// On again from the space list's menu.
	await alice.page.getByRole('button', { name: 'Actions for Only here' }).click();
	await alice.page.getByRole('menuitem', { name: 'Keep on relays' }).click();
	await expect(alice.page.getByText(/not kept on relays/)).toHaveCount(0);
	await alice.page.getByRole('link', { name: /Only here/ }).click();
	await expect(syncStatus(alice.page)).toHaveText('In sync · kept on 1 relay', {
		timeout: 20_000
	});

	// An editor may have the relays delete their copy (signed; a viewer has no such button).
	await alice.page.getByRole('button', { name: 'Share', exact: true }).click();
	await dialog.getByRole('button', { name: 'Remove from relays…' }).click();
	await dialog.getByRole('button', { name: 'Remove from relays', exact: true }).click();
	await expect(dialog.getByText('Removed from 1 of 1 relay.')).toBeVisible();
	await expect(dialog.getByRole('checkbox', { name: 'Keep on relays' })).not.toBeChecked();
	expect(server.stats().relay?.forgotten).toBe(1);
	await alice.page.keyboard.press('Escape');
	await expect(syncStatus(alice.page)).toHaveText('Only you here');
});
