// Spaces stored before encryption kept a plaintext content doc in `cp-space-<id>`. The first
// time such a space is listed or opened it is moved, once and without loss, into a sealed log
// under a new secret: the old data is deleted only after the new log and keyring entry are
// stored. A Web Lock keeps two tabs from migrating the same space twice.
import { fromSecret, newSecret } from '../crypto/capability';
import { signingKeys } from '../crypto/signing';
import { createContentDoc } from '../doc/schema';
import { spaceName } from '../doc/space';
import { Bridge } from '../log/bridge';
import { createLogDoc } from '../log/log-doc';
import * as keyring from '../storage/keyring';
import { Journal } from '../storage/journal';
import { deleteSpaceData, legacyDbName, logDbName, openSpaceStore } from '../storage/space-store';
import { storedOf } from './space-core';

export async function ensureMigrated(entry: keyring.SpaceEntry): Promise<keyring.SpaceEntry> {
	if (entry.cap !== null) return entry;
	const locks = globalThis.navigator?.locks;
	if (!locks) return migrate(entry);
	return locks.request(`cp-migrate-${entry.id}`, async () => {
		// Another tab may have finished it while we waited.
		const current = await keyring.find(entry.id);
		if (current === null) throw new Error('This space is no longer on this device.');
		return current.cap === null ? migrate(current) : current;
	});
}

async function migrate(entry: keyring.SpaceEntry): Promise<keyring.SpaceEntry> {
	const content = createContentDoc();
	const legacy = await openSpaceStore(legacyDbName(entry.id), content);
	// The journal of the build before this one was keyed by the space id alone.
	new Journal(entry.id).replay(content, null);
	await legacy.destroy();

	const cap = fromSecret(newSecret());
	const log = createLogDoc();
	const store = await openSpaceStore(logDbName(cap.topic), log);
	const bridge = await Bridge.create({
		content,
		log,
		cap,
		...(await signingKeys(cap))
	});
	try {
		await bridge.compact();
		await bridge.settled();
	} finally {
		bridge.destroy();
		await store.destroy();
	}
	const moved: keyring.SpaceEntry = {
		...entry,
		id: cap.topic,
		name: entry.name || spaceName(content),
		cap: storedOf(cap),
		migratedFrom: entry.id
	};
	await keyring.replace(entry.id, moved);
	content.destroy();
	log.destroy();
	await deleteSpaceData(legacyDbName(entry.id));
	new Journal(entry.id).clear();
	return moved;
}
