// Relays keep a space while its people are offline: Alice writes and closes her browser; Bob
// opens the link later, in a fresh profile with no relay of his own, with nobody else online,
// and gets every word from the relay the link names — which holds only sealed bytes. A member
// given an old link (no hints) learns the relays from the space itself. A big space reaches a
// newcomer once, with progress; a stranger who knows the room but not its key gets nothing.
import { expect, test, type Page } from '@playwright/test';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSpace, editor, newPage, pasteText, treeOutline } from './helpers';
import {
	join as joinSpace,
	person,
	relayServer,
	shareLink,
	syncStatus,
	text,
	type Person
} from './peers';

let server: Awaited<ReturnType<typeof relayServer>>;
const people: Person[] = [];

test.afterEach(async () => {
	await Promise.all(people.splice(0).map((p) => p.context.close().catch(() => {})));
	await server?.close();
});

test('Alice writes and leaves; Bob, alone, gets the space from the relay', async ({ browser }) => {
	server = await relayServer();
	const alice = await person(browser, [server.url], 'Alice', [server.relay]);
	people.push(alice);
	await createSpace(alice.page, 'Tonight’s plan');
	await editor(alice.page).click();
	await editor(alice.page).pressSequentially('Meet at the harbour at nine.');
	await newPage(alice.page, 'Packing list');
	await editor(alice.page).click();
	await editor(alice.page).pressSequentially('Rope, lamp, bread.');
	await expect(syncStatus(alice.page)).toHaveText('In sync · kept on 1 relay', {
		timeout: 20_000
	});
	const link = await shareLink(alice.page, 'Edit link');
	const outline = await treeOutline(alice.page);
	await alice.context.close();
	people.splice(0);

	// Bob has no relay in his settings: the link names Alice's, and the app says so.
	const bob = await person(browser, [server.url], 'Bob');
	people.push(bob);
	await bob.page.goto(`./${new URL(link).hash}`);
	await expect(bob.page.getByTestId('link-relays')).toContainText(new URL(server.relay).host);
	await bob.page.getByRole('button', { name: 'Add space' }).click();
	await expect(editor(bob.page)).toBeVisible({ timeout: 20_000 });
	await expect.poll(() => treeOutline(bob.page), { timeout: 20_000 }).toEqual(outline);
	await expect(syncStatus(bob.page)).toHaveText('In sync · kept on 1 relay', {
		timeout: 20_000
	});
	await bob.page.getByRole('treeitem', { name: 'Packing list' }).click();
	await expect.poll(() => text(bob.page)).toContain('Rope, lamp, bread.');

	// The relay's directory holds no word that was typed.
	for (const name of readdirSync(server.dataDir)) {
		const bytes = readFileSync(join(server.dataDir, name)).toString('latin1');
		for (const word of ['harbour', 'Packing', 'Rope', 'Tonight']) expect(bytes).not.toContain(word);
	}
});

test('a member with an old link and no relays learns the relays from the space itself', async ({
	browser
}) => {
	server = await relayServer();
	const alice = await person(browser, [server.url], 'Alice', [server.relay]);
	const bob = await person(browser, [server.url], 'Bob');
	people.push(alice, bob);
	await createSpace(alice.page, 'Listed relays');
	await expect(syncStatus(alice.page)).toHaveText('In sync · kept on 1 relay', {
		timeout: 20_000
	});
	// A link as earlier versions made it: the capability alone.
	const link = (await shareLink(alice.page, 'Edit link')).split('~')[0] as string;
	await joinSpace(bob.page, link);
	// Bob meets Alice over WebRTC, learns the space's relays, and keeps it there too.
	await expect(syncStatus(bob.page)).toHaveText('In sync · 1 peer · kept on 1 relay', {
		timeout: 30_000
	});
	expect(server.stats().relay?.relayConnections).toBe(2);
});

/** Bytes the open space took in so far, by transport (window.commonplaceDebug). */
const received = (page: Page) =>
	page.evaluate(() =>
		(
			window as unknown as { commonplaceDebug: { received(): Record<string, number> } }
		).commonplaceDebug.received()
	);

/** Remembers every "Receiving this space from …" line the page shows, however briefly. */
async function watchProgress(page: Page) {
	await page.addInitScript(() => {
		const seen: string[] = [];
		(window as unknown as { progressSeen: string[] }).progressSeen = seen;
		new MutationObserver(() => {
			const raw = document.querySelector('[data-testid="join-status"] p')?.textContent ?? '';
			const line = raw.replace(/\s+/g, ' ').trim();
			if (line.includes('Receiving this space from') && !seen.includes(line)) seen.push(line);
		}).observe(document, { subtree: true, childList: true, characterData: true });
	});
}

test('a big space: a newcomer meeting a peer and a relay takes it in once; alone, from the relay with progress', async ({
	browser
}) => {
	test.setTimeout(150_000);
	server = await relayServer();
	const alice = await person(browser, [server.url], 'Alice', [server.relay]);
	people.push(alice);
	await createSpace(alice.page, 'Archive');
	await pasteText(alice.page, 3 * 1024 * 1024, 7);
	await expect
		.poll(async () => (await text(alice.page)).length, { timeout: 30_000 })
		.toBeGreaterThan(3_000_000);
	await expect(syncStatus(alice.page)).toHaveText('In sync · kept on 1 relay', {
		timeout: 30_000
	});
	const size = await alice.page.evaluate(() =>
		(
			window as unknown as {
				commonplaceDebug: { log: { getArray(n: string): { toArray(): Uint8Array[] } } };
			}
		).commonplaceDebug.log
			.getArray('log')
			.toArray()
			.reduce((sum, entry) => sum + entry.length, 0)
	);
	const link = await shareLink(alice.page, 'Edit link');

	// Bob meets Alice (WebRTC) and the relay at once: one of them answers his first sync, the
	// other is asked only for what that did not bring.
	const bob = await person(browser, [server.url], 'Bob', [server.relay]);
	people.push(bob);
	await joinSpace(bob.page, link);
	await expect
		.poll(async () => (await text(bob.page)).length, { timeout: 60_000 })
		.toBeGreaterThan(3_000_000);
	await expect(syncStatus(bob.page)).toHaveText('In sync · 1 peer · kept on 1 relay', {
		timeout: 30_000
	});
	const bobTook = await received(bob.page);
	const total = Object.values(bobTook).reduce((sum, n) => sum + n, 0);
	expect(total, JSON.stringify(bobTook)).toBeGreaterThan(size);
	expect(total, JSON.stringify(bobTook)).toBeLessThan(1.5 * size);
	console.log(`Bob took in ${JSON.stringify(bobTook)} for a ${size}-byte log`);
	await alice.context.close();
	await bob.context.close();
	people.splice(0);

	// Carol, with nobody online, gets it from the relay and sees it arrive.
	const carol = await person(browser, [server.url], 'Carol');
	people.push(carol);
	await watchProgress(carol.page);
	await joinSpace(carol.page, link);
	await expect
		.poll(async () => (await text(carol.page)).length, { timeout: 60_000 })
		.toBeGreaterThan(3_000_000);
	const lines = await carol.page.evaluate(
		() => (window as unknown as { progressSeen: string[] }).progressSeen
	);
	expect(lines.length).toBeGreaterThan(0);
	expect(lines[0]).toMatch(/^Receiving this space from a relay… [\d.]+ (KB|MB) of [\d.]+ MB$/);
});

test('a relay asked for a space without proof of its key serves nothing of it', async ({
	browser
}) => {
	server = await relayServer();
	const alice = await person(browser, [server.url], 'Alice', [server.relay]);
	people.push(alice);
	await createSpace(alice.page, 'Kept, not given away');
	await editor(alice.page).click();
	await editor(alice.page).pressSequentially('Only for members.');
	await expect(syncStatus(alice.page)).toHaveText('In sync · kept on 1 relay', {
		timeout: 20_000
	});
	const room = await alice.page.evaluate(
		() => (window as unknown as { commonplaceDebug: { room: string } }).commonplaceDebug.room
	);

	// A stranger's browser knows the room (as a signaling server would) but not relayKey.
	const stranger = await person(browser, [server.url], 'Mallory');
	people.push(stranger);
	const ask = (target: string, proof: 'random' | 'none') =>
		stranger.page.evaluate(
			async ([url, target, proof]) => {
				const frames: number[][] = [];
				const socket = new WebSocket(url);
				socket.binaryType = 'arraybuffer';
				await new Promise<void>((resolve) => {
					socket.onmessage = (event) => {
						const bytes = [...new Uint8Array(event.data as ArrayBuffer)];
						frames.push(bytes);
						if (bytes[0] !== 2) return; // answer the challenge once
						const hello = [1, target.length, ...new TextEncoder().encode(target)];
						socket.send(new Uint8Array(hello));
						// A SYNC step 1 before any proof: asking for everything.
						socket.send(new Uint8Array([6, 0, 0, 1, 0]));
						if (proof === 'random') {
							const guess = crypto.getRandomValues(new Uint8Array(32));
							socket.send(new Uint8Array([4, 32, ...guess]));
						}
					};
					socket.onclose = () => resolve();
					setTimeout(() => {
						socket.close();
						resolve();
					}, 3_000);
				});
				return frames.map((bytes) => ({
					type: bytes[0],
					text: new TextDecoder().decode(new Uint8Array(bytes.slice(2)))
				}));
			},
			[server.relay, target, proof] as const
		);

	for (const [target, proof, refusal] of [
		[room, 'random', 'bad-proof'],
		['0'.repeat(32), 'random', 'unknown-room'],
		[room, 'none', 'malformed']
	] as const) {
		const frames = await ask(target, proof);
		const types = frames.map((frame) => frame.type);
		expect(types[0], `${target} ${proof}`).toBe(2); // CHALLENGE
		expect(types, `${target} ${proof}`).not.toContain(5); // never JOINED
		expect(types, `${target} ${proof}`).not.toContain(6); // never a SYNC
		expect(types, `${target} ${proof}`).not.toContain(7); // never KEPT
		expect(frames.filter((f) => f.type === 8).map((f) => f.text)).toContain(refusal);
	}
	expect(server.stats().relay).toMatchObject({ refused: { 'bad-proof': 1, 'unknown-room': 1 } });
});
