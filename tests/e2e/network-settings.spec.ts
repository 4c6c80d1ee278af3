// Settings: signaling and ICE servers (edit, check, test reachability, save), the name others
// see, and the share dialog's QR code.
import { expect, test } from '@playwright/test';
import type { SignalingServer } from '../../server/signaling.js';
import { stunServer } from '../support/stun-server';
import { createSpace } from './helpers';
import { join, person, relayServer, shareLink, signalingServer, type Person } from './peers';

let signal: SignalingServer;
let relayed: Awaited<ReturnType<typeof relayServer>> | null = null;
const people: Person[] = [];

test.afterEach(async () => {
	await Promise.all(people.splice(0).map((p) => p.context.close()));
	await signal?.close();
	await relayed?.close();
	relayed = null;
});

test('signaling servers are checked, tested ("1 of 2 reachable") and saved', async ({ page }) => {
	signal = await signalingServer();
	await page.goto('./settings/');
	const network = page.getByRole('region', { name: 'Network' });
	await expect(network.getByLabel('Signaling server 1', { exact: true })).toHaveValue(
		'ws://127.0.0.1:4444'
	);
	await network.getByLabel('Signaling server 1', { exact: true }).fill(signal.url);
	await network.getByRole('button', { name: 'Add signaling server' }).click();
	await network.getByLabel('Signaling server 2', { exact: true }).fill('ws://127.0.0.1:9');
	await network.getByRole('button', { name: 'Test servers' }).click();
	await expect(network.getByTestId('reachability')).toHaveText(
		'1 of 2 signaling servers reachable'
	);
	await expect(network.getByText(/Reachable · \d+ ms/)).toHaveCount(1);
	await expect(network.getByText('Not reachable: could not connect')).toBeVisible();

	// Bad input is refused with a sentence, and nothing is saved.
	await network.getByRole('button', { name: 'Add signaling server' }).click();
	await network.getByLabel('Signaling server 3', { exact: true }).fill('ws://signal.example.org');
	await network.getByRole('button', { name: 'Add STUN or TURN server' }).click();
	await network.getByLabel('ICE server 1 address', { exact: true }).fill('turn:turn.example.org');
	await network.getByRole('button', { name: 'Save' }).click();
	await expect(network.getByRole('alert')).toContainText('is unencrypted. Use wss://');
	await expect(network.getByRole('alert')).toContainText('needs a username and a password');
	await page.reload();
	await expect(network.getByLabel('Signaling server 1', { exact: true })).toHaveValue(
		'ws://127.0.0.1:4444'
	);

	// Good input is saved and used; a STUN server is tested for real.
	const stun = await stunServer();
	await network.getByLabel('Signaling server 1', { exact: true }).fill(signal.url);
	await network.getByRole('button', { name: 'Add STUN or TURN server' }).click();
	await network.getByLabel('ICE server 1 address', { exact: true }).fill(stun.url);
	await network.getByRole('button', { name: 'Add STUN or TURN server' }).click();
	await network.getByLabel('ICE server 2 address', { exact: true }).fill('stun:127.0.0.1:9');
	await network.getByRole('button', { name: 'Test servers' }).click();
	await expect(network.getByText(/Reachable · \d+ ms/)).toHaveCount(2); // signaling + STUN
	await expect(network.getByText(/^Not reachable: no outside address came back/)).toBeVisible();
	expect(stun.answered()).toBeGreaterThan(0);
	await stun.close();
	await network.getByRole('button', { name: 'Remove ICE server 2' }).click();
	await network.getByRole('button', { name: 'Save' }).click();
	await expect(network.getByText('Saved.')).toBeVisible();
	await page.reload();
	await expect(network.getByLabel('Signaling server 1', { exact: true })).toHaveValue(signal.url);
	await expect(network.getByLabel('ICE server 1 address', { exact: true })).toHaveValue(stun.url);
	await createSpace(page, 'Uses saved settings');
	await expect(page.getByTestId('sync-status')).toHaveText('Only you here');
	await page.goto('./settings/');
	await network.getByRole('button', { name: 'Restore defaults' }).click();
	await expect(network.getByLabel('Signaling server 1', { exact: true })).toHaveValue(
		'ws://127.0.0.1:4444'
	);
});

test('relays are checked, tested ("1 of 3 relays reachable") and saved; spaces are then kept on them', async ({
	page
}) => {
	relayed = await relayServer();
	signal = relayed;
	await page.goto('./settings/');
	const network = page.getByRole('region', { name: 'Network' });
	await network.getByLabel('Signaling server 1', { exact: true }).fill(relayed.url);
	// This build has no default relay: the list starts empty.
	await expect(network.getByLabel('Relay 1', { exact: true })).toHaveCount(0);
	for (const [index, url] of [relayed.relay, 'ws://127.0.0.1:9/relay', relayed.url].entries()) {
		await network.getByRole('button', { name: 'Add relay' }).click();
		await network.getByLabel(`Relay ${index + 1}`, { exact: true }).fill(url);
	}
	await network.getByRole('button', { name: 'Test servers' }).click();
	await expect(network.getByTestId('reachability')).toHaveText(
		'1 of 1 signaling server reachable · 1 of 3 relays reachable'
	);
	await expect(network.getByText(/^Not reachable: could not connect/)).toBeVisible();
	// A signaling server is not a relay, and the app says so.
	await expect(
		network.getByText(
			/^Not reachable: a signaling server, not a relay \(a relay’s address ends in \/relay\)/
		)
	).toBeVisible();

	// A relay address must be a WebSocket address; nothing is saved while one is wrong.
	await network.getByLabel('Relay 2', { exact: true }).fill('https://relay.example.org/relay');
	await network.getByRole('button', { name: 'Save' }).click();
	await expect(network.getByRole('alert')).toContainText('must start with wss://');
	await network.getByRole('button', { name: 'Remove relay 3' }).click();
	await network.getByRole('button', { name: 'Remove relay 2' }).click();
	await network.getByRole('button', { name: 'Save' }).click();
	await expect(network.getByText('Saved.')).toBeVisible();
	await page.reload();
	await expect(network.getByLabel('Relay 1', { exact: true })).toHaveValue(relayed.relay);
	await expect(network.getByLabel('Relay 2', { exact: true })).toHaveCount(0);

	// A space made now is kept on the relay, with no other setup.
	await createSpace(page, 'Kept on the saved relay');
	await expect(page.getByTestId('sync-status')).toHaveText('In sync · kept on 1 relay');

	// Restoring the defaults of this build takes the relay away again.
	await page.goto('./settings/');
	await network.getByRole('button', { name: 'Restore defaults' }).click();
	await expect(network.getByLabel('Relay 1', { exact: true })).toHaveCount(0);
});

test('a name is asked once, others see it with the page, and the share dialog draws QR codes', async ({
	browser
}) => {
	signal = await signalingServer();
	const a = await person(browser, [signal.url], 'Ada');
	const b = await person(browser, [signal.url], 'unused');
	people.push(a, b);
	// B has never chosen a name.
	await b.context.addInitScript(() => {
		if (localStorage.getItem('cp-profile-reset') === null) {
			localStorage.setItem('cp-profile-reset', '1');
			localStorage.removeItem('cp-profile');
		}
	});
	await createSpace(a.page, 'Faces');
	await a.page.getByRole('button', { name: 'Share', exact: true }).click();
	const dialog = a.page.getByRole('dialog');
	await dialog.getByRole('button', { name: 'QR code of the edit link' }).click();
	await expect(dialog.getByRole('img', { name: 'QR code of the edit link' })).toBeVisible();
	await dialog.getByRole('button', { name: 'QR code of the view link' }).click();
	await expect(dialog.getByRole('img', { name: 'QR code of the view link' })).toBeVisible();
	await dialog.getByRole('button', { name: 'Done' }).click();

	await join(b.page, await shareLink(a.page, 'Edit link'));
	const ask = b.page.getByRole('status').filter({ hasText: 'Others here see you as' });
	await expect(ask).toContainText(/Guest \w+/);
	await ask.getByRole('button', { name: 'Choose a name' }).click();
	const profile = b.page.getByRole('dialog', { name: 'How others see you' });
	await profile.getByLabel('Your name').fill('Bo');
	await profile.getByRole('button', { name: 'Save' }).click();
	await expect(ask).toHaveCount(0);
	await expect(a.page.getByTestId('peer')).toHaveAttribute('title', /^Bo — editing “Untitled”/);
	// Asked once: not again after a reload.
	await b.page.reload();
	await expect(b.page.getByTestId('sync-status')).toHaveText('In sync · 1 peer');
	await expect(b.page.getByText('Others here see you as')).toHaveCount(0);
	await expect(b.page.getByRole('button', { name: /You appear to others as Bo/ })).toBeVisible();
});

test('servers and name saved in another tab apply to an open space at once', async ({
	browser
}) => {
	signal = await signalingServer();
	const a = await person(browser, ['ws://127.0.0.1:9'], 'Ada');
	people.push(a);
	await createSpace(a.page, 'Live settings');
	await expect(a.page.getByTestId('sync-status')).toHaveText('Connecting…');
	const settings = await a.context.newPage();
	await settings.goto('./settings/');
	const network = settings.getByRole('region', { name: 'Network' });
	await network.getByLabel('Signaling server 1', { exact: true }).fill(signal.url);
	await network.getByRole('button', { name: 'Save' }).click();
	await expect(a.page.getByTestId('sync-status')).toHaveText('Only you here');
	const profile = settings.getByRole('region', { name: 'How others see you' });
	await profile.getByLabel('Name').fill('Ada L.');
	await profile.getByRole('button', { name: 'Save' }).click();
	await expect(
		a.page.getByRole('button', { name: /You appear to others as Ada L\./ })
	).toBeVisible();
});
