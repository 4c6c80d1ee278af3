// The app against servers that are not ours: y-webrtc's own bin/server.js, unchanged.
import { expect, test } from '@playwright/test';
import { stockSignaling } from '../support/processes';
import { createSpace, editor } from './helpers';
import { join, person, shareLink, syncStatus, text } from './peers';

test('two browsers sync through y-webrtc’s own signaling server', async ({ browser }) => {
	const server = await stockSignaling();
	const a = await person(browser, [server.url], 'Ada');
	const b = await person(browser, [server.url], 'Bo');
	try {
		await createSpace(a.page, 'Interop');
		await editor(a.page).click();
		await editor(a.page).pressSequentially('Through a stock server.');
		await join(b.page, await shareLink(a.page, 'Edit link'));
		await expect(syncStatus(b.page)).toHaveText('In sync · 1 peer');
		await expect(editor(b.page)).toContainText('Through a stock server.');
		await editor(b.page).click();
		await editor(b.page).press('Control+End');
		await editor(b.page).pressSequentially(' Answered.');
		await expect(editor(a.page)).toContainText('Answered.');
		expect(await text(a.page)).toBe(await text(b.page));
	} finally {
		await a.context.close();
		await b.context.close();
		server.stop();
	}
});
