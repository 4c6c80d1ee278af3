// The keyring (storage/keyring.ts) in Node through fake-indexeddb: entries round-trip with their
// names and times sealed (nothing readable rests but keys), damaged records are listed apart,
// records of earlier versions are sealed when listed, and touch/replace/find keep their promises.
import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import * as keyring from '../../src/lib/storage/keyring';

const editCap = (): keyring.StoredCapability => ({ kind: 'edit', bytes: nacl.randomBytes(32) });
const viewCap = (): keyring.StoredCapability => ({ kind: 'view', bytes: nacl.randomBytes(64) });

let ids = 0;
function entry(over: Partial<keyring.SpaceEntry> = {}): keyring.SpaceEntry {
	return {
		id: `room-${++ids}-${Math.random().toString(36).slice(2)}`,
		name: 'Plans for the garden',
		created: 1_000,
		updated: 2_000,
		cap: editCap(),
		...over
	};
}

/** The raw record as IndexedDB holds it. */
async function raw(id: string): Promise<Record<string, unknown>> {
	const db = await openDB('commonplace', 1);
	const value = (await db.get('spaces', id)) as Record<string, unknown>;
	db.close();
	return value;
}

async function putRaw(value: Record<string, unknown>): Promise<void> {
	await keyring.list(); // the database exists
	const db = await openDB('commonplace', 1);
	await db.put('spaces', value);
	db.close();
}

describe('keyring', () => {
	it('keeps an entry, with its name and times sealed at rest', async () => {
		const space = entry({ name: 'Sécrets du jardin', cap: viewCap() });
		await keyring.put(space);
		expect(await keyring.get(space.id)).toEqual(space);
		const stored = await raw(space.id);
		expect(Object.keys(stored).sort()).toEqual(['cap', 'id', 'sealed']);
		const text = new TextDecoder().decode(stored.sealed as Uint8Array);
		expect(text).not.toContain('jardin');
		expect(JSON.stringify(stored)).not.toContain('2000');
	});

	it('lists the most recently edited first, and damaged records apart', async () => {
		const older = entry({ updated: 10 });
		const newer = entry({ updated: 20 });
		await keyring.put(older);
		await keyring.put(newer);
		await putRaw({ id: 'broken-cap', cap: { kind: 'edit', bytes: new Uint8Array(3) } });
		await putRaw({ id: 'broken-seal', cap: editCap(), sealed: new Uint8Array(64) });
		const { spaces, damaged } = await keyring.list();
		const mine = spaces.filter((s) => s.id === older.id || s.id === newer.id);
		expect(mine.map((s) => s.id)).toEqual([newer.id, older.id]);
		expect(damaged).toContain('broken-cap');
		// A seal that does not open leaves the space openable (its key is fine), unnamed.
		expect(spaces.find((s) => s.id === 'broken-seal')).toMatchObject({ name: '', updated: 0 });
	});

	it('seals the names an earlier version stored in the clear, once listed', async () => {
		const cap = editCap();
		await putRaw({ id: 'plain-one', cap, name: 'Old plain name', created: 5, updated: 6 });
		const listed = (await keyring.list()).spaces.find((s) => s.id === 'plain-one');
		expect(listed).toMatchObject({ name: 'Old plain name', created: 5, updated: 6 });
		const stored = await raw('plain-one');
		expect(stored.name).toBeUndefined();
		expect(stored.sealed).toBeInstanceOf(Uint8Array);
		expect(await keyring.get('plain-one')).toMatchObject({ name: 'Old plain name' });
	});

	it('touches only entries that exist, and replaces an id in one step', async () => {
		const space = entry();
		await keyring.put(space);
		await keyring.touch(space.id, { name: 'Renamed', updated: 99 });
		expect(await keyring.get(space.id)).toMatchObject({ name: 'Renamed', updated: 99 });
		await keyring.remove(space.id);
		await keyring.touch(space.id, { name: 'Back from the dead?' });
		expect(await keyring.get(space.id)).toBeNull();

		const moved = entry();
		await keyring.put(moved);
		const renamed = { ...moved, id: `${moved.id}-new`, aliases: [moved.id] };
		await keyring.replace(moved.id, renamed);
		expect(await keyring.get(moved.id)).toBeNull();
		expect(await keyring.find(moved.id)).toEqual(renamed);
		expect(await keyring.find('nobody')).toBeNull();
	});
});
