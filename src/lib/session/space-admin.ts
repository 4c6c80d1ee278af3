// Creating, renaming and joining spaces from home, without loading the editor: home's
// JavaScript stays small, and the editor loads only when a space is opened.
import { fromSecret, newSecret, strength, type Capability } from '../crypto/capability';
import * as pages from '../doc/pages';
import * as space from '../doc/space';
import * as keyring from '../storage/keyring';
import { ensureMigrated } from './migrate';
import { capabilityOf, openableCap, openSpace, storedOf } from './open-space';
import { journalOf, logStore } from '../storage/space-store';

/** Makes a new space (a new secret) with one empty page, stores it and returns its id. */
export async function createSpace(name: string): Promise<string> {
	const cap = fromSecret(newSecret());
	const now = Date.now();
	const entry: keyring.SpaceEntry = {
		id: cap.room,
		name: space.cleanName(name),
		created: now,
		updated: now,
		cap: storedOf(cap)
	};
	const opened = await openLocal(cap);
	try {
		space.initSpace(opened.content, name);
		pages.createPage(opened.content, { title: '' });
	} finally {
		// Seals and stores the first snapshot before the space appears in the list.
		await opened.destroy();
	}
	await keyring.put(entry);
	return cap.room;
}

/** A space opened from this device's store alone (no network), to change it and close it. */
function openLocal(cap: Parameters<typeof openSpace>[0]) {
	const store = logStore();
	return openSpace(cap, { store, journal: journalOf(store, cap.room) });
}

/** Renames a stored space; tabs that have it open see the new name at once. */
export async function renameSpace(id: string, name: string): Promise<void> {
	const found = await keyring.get(id);
	if (found === null) throw new Error('This space is no longer on this device.');
	const entry = await ensureMigrated(found);
	const opened = await openLocal(await openableCap(entry.cap));
	try {
		if (opened.cap.kind !== 'edit') throw new Error('You can only view this space, not rename it.');
		space.renameSpace(opened.content, name);
		await keyring.touch(entry.id, { name: space.spaceName(opened.content), updated: Date.now() });
	} finally {
		await opened.destroy();
	}
}

/**
 * Adds a space from a link's capability, or strengthens the one held (a view link never
 * weakens an edit capability). Returns the space id and whether it was new here.
 */
/** Relays remembered per space from links (the newest first), at most. */
const MAX_HINTED_RELAYS = 8;

export async function joinSpace(
	cap: Capability,
	relays: string[] = []
): Promise<{ id: string; added: boolean }> {
	const existing = await heldEntry(cap);
	const now = Date.now();
	const hinted = (held: string[] = []) =>
		[...new Set([...relays, ...held])].slice(0, MAX_HINTED_RELAYS);
	if (existing === null) {
		const hints = relays.length > 0 ? { relays: hinted() } : {};
		await keyring.put({
			id: cap.room,
			name: '',
			created: now,
			updated: now,
			cap: storedOf(cap),
			...hints
		});
		return { id: cap.room, added: true };
	}
	const held = existing.cap === null ? null : capabilityOf(existing.cap);
	const stronger = held === null || strength(cap) > strength(held);
	const learned = relays.some((url) => !(existing.relays ?? []).includes(url));
	if (stronger || learned) {
		await keyring.put({
			...existing,
			...(stronger ? { cap: storedOf(cap) } : {}),
			...(learned ? { relays: hinted(existing.relays) } : {})
		});
	}
	return { id: existing.id, added: false };
}

/** The entry this device holds for the space of `cap` (by room, or by its topic before). */
export async function heldEntry(cap: Capability): Promise<keyring.SpaceEntry | null> {
	const entry = (await keyring.find(cap.room)) ?? (await keyring.get(cap.topic));
	if (entry === null || entry.cap === null) return entry;
	// An entry under the topic belongs to this space only if it holds the same signing key.
	const held = capabilityOf(entry.cap);
	return held.room === cap.room ? entry : null;
}
