// Creating and renaming spaces from home, without loading the editor: home's JavaScript stays
// small, and the editor loads only when a space is opened.
import * as pages from '../doc/pages';
import { createContentDoc } from '../doc/schema';
import * as space from '../doc/space';
import * as keyring from '../storage/keyring';
import { openSpaceStore } from '../storage/space-store';
import { TabChannel } from '../sync/tab-channel';

/** Makes a new space with one empty page and stores it. */
export async function createSpace(id: string, name: string): Promise<void> {
	const doc = createContentDoc();
	const store = await openSpaceStore(id, doc);
	space.initSpace(doc, name);
	pages.createPage(doc, { title: '' });
	const now = Date.now();
	await keyring.put({ id, name: space.spaceName(doc), created: now, updated: now });
	await store.destroy();
	doc.destroy();
}

/** Renames a stored space; tabs that have it open see the new name at once. */
export async function renameSpace(id: string, name: string): Promise<string> {
	if ((await keyring.get(id)) === null) throw new Error('This space is no longer on this device.');
	const doc = createContentDoc();
	const store = await openSpaceStore(id, doc);
	const tabs = new TabChannel(`cp-tabs-${id}`, doc);
	try {
		space.renameSpace(doc, name);
		const clean = space.spaceName(doc);
		await keyring.touch(id, { name: clean, updated: Date.now() });
		return clean;
	} finally {
		tabs.destroy();
		await store.destroy();
		doc.destroy();
	}
}
