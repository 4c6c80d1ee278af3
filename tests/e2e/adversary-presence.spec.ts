// Hostile presence, end to end: anyone holding a view link is a peer, and what they put in their
// presence reaches every editor's caret plugin. A viewer's poison caret must not stop an editor
// from receiving others' typing, nor make that editor's next keystroke delete what others wrote.
import { expect, test } from '@playwright/test';
import type { SignalingServer } from '../../server/signaling.js';
import { createSpace, editor } from './helpers';
import { join, person, shareLink, signalingServer, syncStatus, text, type Person } from './peers';

let signal: SignalingServer;
const people: Person[] = [];

test.afterEach(async () => {
	await Promise.all(people.splice(0).map((p) => p.context.close()));
	await signal.close();
});

interface Debug {
	commonplaceDebug: {
		presence: {
			getLocalState(): Record<string, unknown> | null;
			setLocalState(state: Record<string, unknown>): void;
		};
	};
}

test("a viewer's poison caret neither freezes an editor nor makes it delete others' text", async ({
	browser
}) => {
	signal = await signalingServer();
	const a = await person(browser, [signal.url], 'Ada');
	const b = await person(browser, [signal.url], 'Bo');
	const v = await person(browser, [signal.url], 'Vi');
	people.push(a, b, v);
	const errors: string[] = [];
	for (const { page } of [a, b]) page.on('pageerror', (error) => errors.push(error.message));

	await createSpace(a.page, 'Watched');
	await editor(a.page).click();
	await editor(a.page).pressSequentially('Ada was here first.');
	await join(b.page, await shareLink(a.page, 'Edit link'));
	await join(v.page, await shareLink(a.page, 'View link'));
	// (A third peer leaves the status at "Syncing with 2 peers…": y-webrtc marks a connection
	// synced only while the room as a whole is not yet.)
	await expect(syncStatus(a.page)).toContainText('2 peers');
	await expect(editor(v.page)).toContainText('Ada was here first.');
	await expect(editor(b.page)).toContainText('Ada was here first.');

	// From the viewer's console: a caret whose positions are objects, but no Yjs positions. The
	// new name in the same state tells us when it has reached Ada.
	await v.page.evaluate(() => {
		const { presence } = (window as unknown as Debug).commonplaceDebug;
		const state = presence.getLocalState() ?? {};
		presence.setLocalState({
			...state,
			user: { name: 'Vi the poisoner', color: '#e5484d' },
			cursor: { anchor: {}, head: {} }
		});
	});
	await syncStatus(a.page).click();
	await expect(a.page.getByRole('list', { name: 'Here now' })).toContainText('Vi the poisoner');
	await a.page.keyboard.press('Escape');

	// Bo types; Ada keeps receiving it live.
	const bo = 'Bo writes this while being watched.';
	await editor(b.page).click();
	await editor(b.page).press('Control+End');
	await editor(b.page).press('Enter');
	await editor(b.page).pressSequentially(bo, { delay: 10 });
	await expect(editor(a.page)).toContainText(bo);

	// Ada types; Bo's text stays, on both sides.
	await editor(a.page).click();
	await editor(a.page).press('Control+End');
	await editor(a.page).pressSequentially(' Ada answers.');
	for (const page of [a.page, b.page]) {
		await expect(editor(page)).toContainText(bo);
		await expect(editor(page)).toContainText('Ada answers.');
		await expect(editor(page)).toContainText('Ada was here first.');
	}
	await expect.poll(async () => (await text(b.page)) === (await text(a.page))).toBe(true);
	expect(errors).toEqual([]);
});
