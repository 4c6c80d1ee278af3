// Moving spaces stored by earlier versions, once, without loss, the first time they are opened:
//   - before encryption, a space kept a plaintext content doc in `cp-space-<id>`: it is sealed
//     into a log under a new secret;
//   - before rooms, a space's log and keyring entry were named by its topic (which does not
//     bind the signing key): they are renamed to its room. Envelopes are signed over the topic,
//     so this is a copy of the stored records, not a re-seal, and works for view-only copies.
// The old data is deleted only after the new copy and keyring entry are stored; the old id is
// kept as an alias so old links and tabs still find the space. A Web Lock keeps two tabs from
// migrating the same space twice.
import { fromSecret, newSecret, strength } from '../crypto/capability';
import { createContentDoc } from '../doc/schema';
import { spaceName } from '../doc/space';
import * as keyring from '../storage/keyring';
import { Journal } from '../storage/journal';
import {
	deleteStored,
	journalOf,
	legacyStore,
	logStore,
	moveStored,
	openStored
} from '../storage/space-store';
import { capabilityOf, openSpace, storedOf } from './open-space';

/** Whether an entry still needs moving (stored before encryption, or before rooms). */
function outdated(entry: keyring.SpaceEntry): boolean {
	return entry.cap === null || capabilityOf(entry.cap).room !== entry.id;
}

export async function ensureMigrated(entry: keyring.SpaceEntry): Promise<keyring.SpaceEntry> {
	if (!outdated(entry)) return entry;
	const move = (current: keyring.SpaceEntry) =>
		current.cap === null ? migrate(current) : moveToRoom(current);
	const locks = globalThis.navigator?.locks;
	if (!locks) return move(entry);
	return locks.request(`cp-migrate-${entry.id}`, async () => {
		// Another tab may have finished it while we waited.
		const current = await keyring.find(entry.id);
		if (current === null) throw new Error('This space is no longer on this device.');
		return outdated(current) ? move(current) : current;
	});
}

async function moveToRoom(entry: keyring.SpaceEntry): Promise<keyring.SpaceEntry> {
	const cap = capabilityOf(entry.cap as keyring.StoredCapability);
	const logs = logStore();
	await moveStored(logs, entry.id, cap.room);
	const already = await keyring.get(cap.room);
	// If this device already holds the space under its room too, the stronger key wins.
	const held = already?.cap ? capabilityOf(already.cap) : null;
	const moved: keyring.SpaceEntry = {
		...entry,
		id: cap.room,
		cap: storedOf(held !== null && strength(held) > strength(cap) ? held : cap),
		name: entry.name || already?.name || '',
		aliases: [...new Set([...(entry.aliases ?? []), ...(already?.aliases ?? []), entry.id])]
	};
	await keyring.replace(entry.id, moved);
	deleteStored(logs, entry.id).catch((error: unknown) =>
		console.warn('The old copy of a moved space could not be deleted yet', error)
	);
	return moved;
}

async function migrate(entry: keyring.SpaceEntry): Promise<keyring.SpaceEntry> {
	const content = createContentDoc();
	const legacy = await openStored(legacyStore(), entry.id, content);
	// The journal of the build before this one was keyed by the space id alone.
	new Journal(entry.id).replay(content, null);
	await legacy.destroy();

	const cap = fromSecret(newSecret());
	const store = logStore();
	const opened = await openSpace(cap, { store, journal: journalOf(store, cap.room), content });
	try {
		await opened.bridge.compact();
	} finally {
		// Seals and stores the snapshot before the keyring names the space.
		await opened.destroy();
	}
	const moved: keyring.SpaceEntry = {
		...entry,
		id: cap.room,
		name: entry.name || spaceName(content),
		cap: storedOf(cap),
		aliases: [...(entry.aliases ?? []), entry.id]
	};
	await keyring.replace(entry.id, moved);
	await deleteStored(legacyStore(), entry.id);
	new Journal(entry.id).clear();
	return moved;
}
