import { expect, test, type Browser, type Page } from '@playwright/test';
import * as Y from 'yjs';
import { fromB64url } from '../../src/lib/crypto/bytes';
import * as capability from '../../src/lib/crypto/capability';
import * as pages from '../../src/lib/doc/pages';
import { createContentDoc } from '../../src/lib/doc/schema';
import { initSpace } from '../../src/lib/doc/space';
import { prosemirrorJSONToYXmlFragment } from 'y-prosemirror';
import { contentSchema } from '../../src/lib/editor/extensions';
import { createSpace, editor, titleInput, treeItem } from './helpers';
import { openLink, shareLink } from './peers';

const spaceId = (page: Page) => new URL(page.url()).searchParams.get('id') as string;

/** Every record of every IndexedDB database (the keyring too), and localStorage, as text. */
async function rawStorage(page: Page): Promise<{ names: string[]; text: string }> {
	return page.evaluate(async () => {
		const names = (await indexedDB.databases()).map((d) => d.name as string);
		const decoder = new TextDecoder('latin1');
		const parts: string[] = [];
		const dump = (value: unknown): void => {
			if (value instanceof Uint8Array)
				parts.push(decoder.decode(value), new TextDecoder().decode(value));
			else if (value instanceof ArrayBuffer) dump(new Uint8Array(value));
			else if (Array.isArray(value)) value.forEach(dump);
			else if (value && typeof value === 'object') Object.values(value).forEach(dump);
			else parts.push(String(value));
		};
		for (const name of names) {
			const db = await new Promise<IDBDatabase>((resolve, reject) => {
				const request = indexedDB.open(name);
				request.onsuccess = () => resolve(request.result);
				request.onerror = () => reject(request.error);
			});
			for (const store of db.objectStoreNames) {
				const values = await new Promise<unknown[]>((resolve, reject) => {
					const request = db.transaction(store).objectStore(store).getAll();
					request.onsuccess = () => resolve(request.result);
					request.onerror = () => reject(request.error);
				});
				values.forEach(dump);
			}
			db.close();
		}
		for (let i = 0; i < localStorage.length; i++)
			parts.push(localStorage.getItem(localStorage.key(i) as string) ?? '');
		return { names, text: parts.join('\n') };
	});
}

/** Copies a space's stored ciphertext from one browser to another, as a relay would. */
async function copyLog(from: Page, to: Page, topic: string) {
	const records = await from.evaluate(async (name) => {
		const db = await new Promise<IDBDatabase>((resolve) => {
			const request = indexedDB.open(name);
			request.onsuccess = () => resolve(request.result);
		});
		const values = await new Promise<Uint8Array[]>((resolve) => {
			const request = db.transaction('updates').objectStore('updates').getAll();
			request.onsuccess = () => resolve(request.result as Uint8Array[]);
		});
		db.close();
		return values.map((v) => [...v]);
	}, `cp-log-${topic}`);
	await to.evaluate(
		async ({ name, records }) => {
			const db = await new Promise<IDBDatabase>((resolve) => {
				const request = indexedDB.open(name, 1);
				request.onupgradeneeded = () => {
					request.result.createObjectStore('updates', { autoIncrement: true });
					request.result.createObjectStore('custom');
				};
				request.onsuccess = () => resolve(request.result);
			});
			await new Promise((resolve) => {
				const tx = db.transaction('updates', 'readwrite');
				for (const r of records) tx.objectStore('updates').add(new Uint8Array(r));
				tx.oncomplete = resolve;
			});
			db.close();
		},
		{ name: `cp-log-${topic}`, records }
	);
}

async function person(browser: Browser, baseURL: string | undefined) {
	const context = await browser.newContext({ baseURL });
	return { context, page: await context.newPage() };
}

test('what rests on disk is ciphertext: no text, page title or space name', async ({ page }) => {
	await createSpace(page, 'Zebra Sanctuary');
	await titleInput(page).fill('Quokka Ledger');
	await editor(page).click();
	await page.keyboard.type('marmalade xylophone ninety-three');
	// Leaving the page seals whatever is still being coalesced.
	await page.goto('./settings/');
	await expect(page.getByRole('heading', { name: 'Settings' })).toBeVisible();
	const { names, text } = await rawStorage(page);
	expect(names.some((n) => n.startsWith('cp-log-'))).toBe(true);
	expect(text.length).toBeGreaterThan(500);
	for (const secret of ['marmalade', 'xylophone', 'Quokka', 'Ledger', 'Zebra', 'Sanctuary']) {
		expect(text).not.toContain(secret);
	}
	// And the space really holds them: reopening decrypts.
	await page.goto('./');
	await page.getByRole('link', { name: /Zebra Sanctuary/ }).click();
	await expect(editor(page)).toHaveText('marmalade xylophone ninety-three');
});

test('a view link opens the space read-only; an edit link upgrades it', async ({
	page,
	browser,
	baseURL
}) => {
	await createSpace(page, 'Shared plans');
	await titleInput(page).fill('Agenda');
	await editor(page).click();
	await page.keyboard.type('Item one');
	const room = spaceId(page);
	const view = await shareLink(page, 'View link');
	const edit = await shareLink(page, 'Edit link');
	expect(view).toMatch(/\/#r1\.[A-Za-z0-9_-]{86}$/);
	expect(edit).toMatch(/\/#w1\.[A-Za-z0-9_-]{43}$/);
	await page.goto('./settings/');

	const bob = await person(browser, baseURL);
	await bob.page.goto('./settings/');
	await copyLog(page, bob.page, room);
	// Opening a link asks first; "Not now" changes nothing.
	await bob.page.goto(`./settings/${new URL(view).hash}`);
	const ask = bob.page.getByRole('dialog', { name: 'Add a shared space?' });
	await expect(ask).toContainText('read (view only)');
	expect(bob.page.url()).not.toContain('#');
	await ask.getByRole('button', { name: 'Not now' }).click();
	await bob.page.goto('./');
	await expect(bob.page.getByText('No spaces yet')).toBeVisible();
	await openLink(bob.page, view, './space/');
	await expect(bob.page).toHaveURL(new RegExp(`/space/\\?id=${room}`));
	expect(bob.page.url()).not.toContain('#');
	await expect(
		bob.page.getByText('View only — you can read this space but not change it.')
	).toBeVisible();
	await expect(editor(bob.page)).toHaveText('Item one');
	await expect(editor(bob.page)).toHaveAttribute('contenteditable', 'false');
	await expect(titleInput(bob.page)).toHaveAttribute('readonly', '');
	await expect(bob.page.getByRole('button', { name: 'New page' })).toHaveCount(0);
	await expect(bob.page.getByRole('toolbar', { name: 'Formatting' })).toHaveCount(0);

	// The edit link upgrades the capability held for the same space (after asking).
	await openLink(bob.page, edit);
	await expect(bob.page.getByRole('button', { name: 'New page' })).toBeVisible();
	await expect(bob.page.getByText('View only')).toHaveCount(0);
	await editor(bob.page).click();
	await bob.page.keyboard.press('End');
	await bob.page.keyboard.type(', two');
	await expect(editor(bob.page)).toHaveText('Item one, two');
	// A view link afterwards does not take editing away (and asks nothing).
	await bob.page.goto(`./${new URL(view).hash}`);
	await expect(bob.page).toHaveURL(new RegExp(`/space/\\?id=${room}`));
	await expect(bob.page.getByRole('button', { name: 'New page' })).toBeVisible();
	await bob.context.close();
});

test('a password link asks for the password, refuses a wrong one, opens with the right one', async ({
	page,
	browser,
	baseURL
}) => {
	await createSpace(page, 'Private diary');
	await page.getByRole('button', { name: 'Share', exact: true }).click();
	const dialog = page.getByRole('dialog');
	await dialog.getByLabel('Protect with a password').fill('open sesame, said Ali Baba to the rock');
	await dialog.getByRole('button', { name: 'Protect' }).click();
	const protectedView = await dialog
		.getByLabel('Protected view link', { exact: true })
		.inputValue();
	expect(protectedView).toMatch(/\/#p1\./);
	const room = spaceId(page);

	const bob = await person(browser, baseURL);
	await bob.page.goto(protectedView);
	const prompt = bob.page.getByRole('dialog', { name: 'This link is protected' });
	await expect(prompt).toBeVisible();
	expect(bob.page.url()).not.toContain('#');
	await prompt.getByLabel('Password').fill('open says me');
	await prompt.getByRole('button', { name: 'Open' }).click();
	await expect(prompt.getByRole('alert')).toHaveText('That password is not right. Try again.');
	await prompt.getByLabel('Password').fill('open sesame, said Ali Baba to the rock');
	await prompt.getByRole('button', { name: 'Open' }).click();
	await bob.page.getByRole('button', { name: 'Add space' }).click();
	await expect(bob.page).toHaveURL(new RegExp(`/space/\\?id=${room}`));
	await expect(bob.page.getByText('View only')).toBeVisible();
	await bob.context.close();
});

test('broken links say what is wrong and change nothing', async ({ page }) => {
	const cases: Array<[string, RegExp]> = [
		['#w1.AAAA', /not a Commonplace link/],
		['#w1.this-is-not-base64url!!', /not a Commonplace link/],
		['#w7.AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8', /newer version/],
		['#p1.AAAA', /not a Commonplace link/],
		['#hello', /not a Commonplace link/],
		[
			'#b1.WpS03JycAH-nPtgr7L6mat50HWnv5XkG91Mi_agBDDCpGPS6S-RoP-FL3JEZREp4_6YMIveVJJfP6OxffxvXng',
			/relay link/
		]
	];
	for (const [fragment, message] of cases) {
		for (const route of ['./', './settings/', './space/']) {
			await page.goto(`${route}${fragment}`);
			const dialog = page.getByRole('dialog', { name: 'This link cannot be opened' });
			await expect(dialog.getByRole('alert')).toContainText(message);
			expect(page.url()).not.toContain('#');
			await dialog.getByRole('button', { name: 'OK' }).click();
		}
	}
	await page.goto('./');
	await expect(page.getByText('No spaces yet')).toBeVisible();
});

test('a space stored before encryption is migrated once, without loss', async ({ page }) => {
	// The old format: a plaintext content doc in `cp-space-<id>`, a keyring entry with no key.
	const doc = createContentDoc();
	initSpace(doc, 'Old notebook');
	const id = pages.createPage(doc, { title: 'From before' });
	prosemirrorJSONToYXmlFragment(
		contentSchema(),
		{
			type: 'doc',
			content: [{ type: 'paragraph', content: [{ type: 'text', text: 'kept through the move' }] }]
		},
		pages.body(doc, id) as Y.XmlFragment
	);
	const update = [...Y.encodeStateAsUpdate(doc)];
	await page.goto('./settings/');
	await page.evaluate(async (update) => {
		const open = (name: string, stores: Array<[string, IDBObjectStoreParameters?]>) =>
			new Promise<IDBDatabase>((resolve) => {
				const request = indexedDB.open(name, 1);
				request.onupgradeneeded = () =>
					stores.forEach(([s, o]) => request.result.createObjectStore(s, o));
				request.onsuccess = () => resolve(request.result);
			});
		const put = (db: IDBDatabase, store: string, value: unknown) =>
			new Promise((resolve) => {
				const tx = db.transaction(store, 'readwrite');
				tx.objectStore(store).add(value);
				tx.oncomplete = resolve;
			});
		const space = await open('cp-space-legacy-space-1', [
			['updates', { autoIncrement: true }],
			['custom']
		]);
		await put(space, 'updates', new Uint8Array(update));
		space.close();
		const keyring = await open('commonplace', [['spaces', { keyPath: 'id' }]]);
		await put(keyring, 'spaces', {
			id: 'legacy-space-1',
			name: 'Old notebook',
			created: 1,
			updated: 2
		});
		keyring.close();
	}, update);

	await page.goto('./');
	await page.getByRole('link', { name: /Old notebook/ }).click();
	await expect(treeItem(page, 'From before')).toBeVisible();
	await expect(editor(page)).toHaveText('kept through the move');
	await expect.poll(() => spaceId(page)).not.toBe('legacy-space-1');
	expect(spaceId(page)).toMatch(/^[0-9a-f]{32}$/);

	const { names, text } = await rawStorage(page);
	expect(names).not.toContain('cp-space-legacy-space-1');
	expect(text).not.toContain('kept through the move');
	expect(text).not.toContain('From before');

	// Once: the old id still finds the space, and nothing is migrated again.
	await page.goto('./space/?id=legacy-space-1');
	await expect(editor(page)).toHaveText('kept through the move');
	await page.goto('./');
	await expect(page.getByRole('link', { name: /Old notebook/ })).toHaveCount(1);
});

test('spaces stored under their topic (before rooms) move to their room once, view-only too, losing nothing', async ({
	page
}) => {
	const made: Array<{ room: string; secret: string; words: string }> = [];
	for (const words of ['edited before rooms', 'viewed before rooms']) {
		await createSpace(page, words);
		await editor(page).click();
		await page.keyboard.type(words);
		const link = await shareLink(page, 'Edit link');
		made.push({ room: spaceId(page), secret: new URL(link).hash.slice(4), words });
	}
	await page.goto('./settings/');
	const old = made.map(({ room, secret, words }, i) => {
		const cap = capability.fromSecret(fromB64url(secret) as Uint8Array);
		expect(cap.room).toBe(room);
		const stored = i === 0 ? cap : capability.toView(cap);
		return {
			room,
			topic: cap.topic as string,
			name: words,
			cap: { kind: stored.kind, bytes: [...capability.toBytes(stored)] }
		};
	});
	// Rewrite the device's storage the way the version before rooms kept it.
	await page.evaluate(async (spaces) => {
		const request = <T>(r: IDBRequest<T>) =>
			new Promise<T>((resolve, reject) => {
				r.onsuccess = () => resolve(r.result);
				r.onerror = () => reject(r.error);
			});
		const open = (name: string) => {
			const r = indexedDB.open(name, 1);
			r.onupgradeneeded = () => {
				r.result.createObjectStore('updates', { autoIncrement: true });
				r.result.createObjectStore('custom');
			};
			return request(r);
		};
		for (const space of spaces) {
			const from = await open(`cp-log-${space.room}`);
			const records = await request(from.transaction('updates').objectStore('updates').getAll());
			from.close();
			await request(indexedDB.deleteDatabase(`cp-log-${space.room}`));
			const to = await open(`cp-log-${space.topic}`);
			const tx = to.transaction('updates', 'readwrite');
			for (const record of records) tx.objectStore('updates').add(record);
			await new Promise((resolve) => (tx.oncomplete = resolve));
			to.close();
			const keyring = await request(indexedDB.open('commonplace'));
			const write = keyring.transaction('spaces', 'readwrite');
			write.objectStore('spaces').delete(space.room);
			write.objectStore('spaces').put({
				id: space.topic,
				name: space.name,
				created: 1,
				updated: 2,
				cap: { kind: space.cap.kind, bytes: new Uint8Array(space.cap.bytes) }
			});
			await new Promise((resolve) => (write.oncomplete = resolve));
			keyring.close();
		}
	}, old);

	for (const space of old) {
		await page.goto('./');
		await page.getByRole('link', { name: new RegExp(space.name) }).click();
		await expect(editor(page)).toHaveText(space.name);
		await expect.poll(() => spaceId(page)).toBe(space.room);
		// Once: the old id still finds it.
		await page.goto(`./space/?id=${space.topic}`);
		await expect(editor(page)).toHaveText(space.name);
	}
	await expect(editor(page)).toHaveAttribute('contenteditable', 'false');
	await page.goto('./settings/');
	const { names, text } = await rawStorage(page);
	for (const space of old) {
		expect(names).toContain(`cp-log-${space.room}`);
		expect(names).not.toContain(`cp-log-${space.topic}`);
		expect(text).not.toContain(space.name);
	}
	await page.goto('./');
	await expect(page.getByRole('link', { name: /before rooms/ })).toHaveCount(2);
});
