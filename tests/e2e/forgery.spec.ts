// Read-only, enforced: a viewer who forges log entries from the page's console (junk, bad
// signatures, tampered ciphertext, an envelope replayed from another space, deletions) changes
// nothing for anyone else.
import { expect, test } from '@playwright/test';
import type { SignalingServer } from '../../server/signaling.js';
import { createSpace, editor, treeOutline } from './helpers';
import { join, person, shareLink, signalingServer, text, type Person } from './peers';

let signal: SignalingServer;
const people: Person[] = [];

test.afterEach(async () => {
	await Promise.all(people.splice(0).map((p) => p.context.close()));
	await signal.close();
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
		stats: { rejected: Record<string, number>; reseals: number };
		guard: { putBack: number; junkRemoved: number };
	};
}

test('a viewer forging entries from the console changes nothing for anyone else', async ({
	browser
}) => {
	signal = await signalingServer();
	const a = await person(browser, [signal.url], 'Ada');
	const c = await person(browser, [signal.url], 'Cy');
	const b = await person(browser, [signal.url], 'Bo');
	people.push(a, b, c);

	// C holds a space of its own, to replay one of its envelopes into A's.
	await createSpace(c.page, 'Elsewhere');
	await editor(c.page).click();
	await editor(c.page).pressSequentially('From another space.');
	await c.page.waitForTimeout(300);
	const foreign = await c.page.evaluate(() => {
		const log = (window as unknown as Debug).commonplaceDebug.log.getArray('log');
		return Array.from(log.get(log.length - 1) as Uint8Array);
	});

	await createSpace(a.page, 'Guarded');
	await editor(a.page).click();
	await editor(a.page).pressSequentially('The real text.');
	await join(c.page, await shareLink(a.page, 'View link'));
	await expect(editor(c.page)).toContainText('The real text.');
	const before = { text: await text(a.page), tree: await treeOutline(a.page) };

	const forged = await c.page.evaluate((replayed) => {
		const doc = (window as unknown as Debug).commonplaceDebug.log;
		const log = doc.getArray('log');
		const real = log.get(0) as Uint8Array;
		const flip = (at: number) => {
			const copy = real.slice();
			copy[at] = (copy[at] as number) ^ 1;
			return copy;
		};
		const unsigned = real.slice();
		unsigned.fill(0, 1, 65);
		const entries = [
			crypto.getRandomValues(new Uint8Array(300)), // junk
			unsigned, // no signature
			flip(10), // wrongly signed
			flip(real.length - 1), // ciphertext changed after signing
			new Uint8Array(replayed) // a real envelope of another space
		];
		const had = log.length;
		doc.transact(() => {
			log.push(entries);
			log.delete(0, had); // and every real entry deleted
		});
		// Not even bytes: no log holds plain values, so peers drop the whole message unread.
		log.push(['not even bytes']);
		return entries.length;
	}, foreign);

	// A rejects every forged entry, keeps its text and tree, puts back what was deleted, and the
	// junk is removed.
	const stats = () =>
		a.page.evaluate(() => {
			const { stats, guard } = (window as unknown as Debug).commonplaceDebug;
			return {
				rejected: Object.values(stats.rejected).reduce((x, y) => x + y, 0),
				putBack: guard.putBack,
				junkRemoved: guard.junkRemoved
			};
		});
	await expect.poll(async () => (await stats()).rejected).toBeGreaterThanOrEqual(forged);
	await expect.poll(async () => (await stats()).putBack).toBeGreaterThan(0);
	// Junk goes at whoever's random pause ends first: the forger's own tab tidies too.
	const junkRemovedBy = (page: typeof a.page) =>
		page.evaluate(() => (window as unknown as Debug).commonplaceDebug.guard.junkRemoved);
	await expect
		.poll(async () => (await junkRemovedBy(a.page)) + (await junkRemovedBy(c.page)))
		.toBeGreaterThanOrEqual(forged);
	expect(await text(a.page)).toBe(before.text);
	expect(await treeOutline(a.page)).toEqual(before.tree);
	await a.page.getByTestId('sync-status').click();
	await expect(a.page.getByTestId('ignored')).toContainText(
		/Ignored \d+ malformed or forged\s+messages/
	);
	await a.page.keyboard.press('Escape');

	// A newcomer still receives the whole space, and not the replayed text.
	await join(b.page, await shareLink(a.page, 'Edit link'));
	await expect(editor(b.page)).toContainText('The real text.');
	expect(await text(b.page)).toBe(before.text);
	await expect(b.page.getByText('From another space.')).toHaveCount(0);

	// Editing goes on for everyone, the viewer included.
	await editor(a.page).press('Control+End');
	await editor(a.page).pressSequentially(' Still mine.');
	await expect(editor(b.page)).toContainText('Still mine.');
	await expect(editor(c.page)).toContainText('Still mine.');
});
