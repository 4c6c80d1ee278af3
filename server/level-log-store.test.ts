// The relay's LevelDB store runs the LogStore contract every store runs
// (tests/contracts/log-store.ts), on a real database in a temporary directory, plus what only a
// database on disk can show: a store reopened from its directory by a new process-like handle
// has everything that was acknowledged, and the directory holds only what it was given.
import { ClassicLevel } from 'classic-level';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { StoreError } from '../src/lib/storage/log-store';
import { runLogStoreContract } from '../tests/contracts/log-store';
import { damage, LevelLogStore, quarantined, type LevelDb } from './level-log-store';

const openDb = (dir: string): LevelDb =>
	new ClassicLevel<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' });

runLogStoreContract('LevelDB (relay)', async () => {
	const dir = mkdtempSync(join(tmpdir(), 'cp-level-'));
	const db = openDb(dir);
	const made: LevelLogStore[] = [];
	let failing: StoreError | null = null;
	let commitMs = 0;
	const store = () => {
		const next = new LevelLogStore(db);
		next.failing = failing;
		next.commitMs = commitMs;
		made.push(next);
		return next;
	};
	return {
		store,
		damage: (room) => damage(store(), room),
		quarantined: (room) => quarantined(db, room),
		full: (on) => {
			failing = on ? new StoreError('full', 'the disk is full') : null;
			for (const each of made) each.failing = failing;
		},
		slowCommits: (ms) => {
			commitMs = ms;
			for (const each of made) each.commitMs = ms;
		},
		cleanup: async () => {
			await db.close();
			rmSync(dir, { recursive: true, force: true });
		}
	};
});

describe('LevelDB store on disk', () => {
	it('a reopened database has every acknowledged update, and nothing but those bytes', async () => {
		const dir = mkdtempSync(join(tmpdir(), 'cp-level-'));
		try {
			const db = openDb(dir);
			const log = await new LevelLogStore(db).open('abc123');
			const doc = new Y.Doc();
			const updates: Uint8Array[] = [];
			doc.on('update', (update: Uint8Array) => updates.push(update));
			const marker = 'ciphertext-only-here';
			for (let i = 0; i < 50; i++)
				doc.getArray('log').push([new TextEncoder().encode(`${marker}${i}`)]);
			for (const update of updates) await log.append(update);
			await db.close();

			const again = openDb(dir);
			const loaded = await (await new LevelLogStore(again).open('abc123')).load();
			const copy = new Y.Doc();
			for (const update of loaded.updates) Y.applyUpdate(copy, update);
			expect(copy.getArray('log').length).toBe(50);
			// Appending after a reopen continues the sequence (nothing overwritten).
			const more = await new LevelLogStore(again).open('abc123');
			await more.append(updates[0] as Uint8Array);
			expect((await more.load()).updates.length).toBe(51);
			await again.close();
			// What rests on disk: the bytes it was given (here a marker), keys and LevelDB's own.
			const files = readdirSync(dir).map((name) =>
				readFileSync(join(dir, name)).toString('latin1')
			);
			expect(files.some((text) => text.includes(marker))).toBe(true);
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	});

	it('concurrent appends to a room just opened each get a record of their own', async () => {
		const dir = mkdtempSync(join(tmpdir(), 'cp-level-'));
		const db = openDb(dir);
		try {
			// (They used to share the first sequence number and overwrite each other.)
			const log = await new LevelLogStore(db).open('fresh');
			const doc = new Y.Doc();
			const updates: Uint8Array[] = [];
			doc.on('update', (update: Uint8Array) => updates.push(update));
			for (let i = 0; i < 50; i++) doc.getArray('log').push([new Uint8Array([i])]);
			await Promise.all(updates.map((update) => log.append(update)));
			const copy = new Y.Doc();
			for (const update of (await log.load()).updates) Y.applyUpdate(copy, update);
			expect(copy.getArray('log').length).toBe(50);
		} finally {
			await db.close();
			rmSync(dir, { recursive: true, force: true });
		}
	});

	it('refuses room names that could reach outside a room', async () => {
		const dir = mkdtempSync(join(tmpdir(), 'cp-level-'));
		const db = openDb(dir);
		try {
			const store = new LevelLogStore(db);
			for (const room of ['', 'a/b', '../x', 'r'.repeat(200)]) {
				const error = await store.open(room).catch((e: unknown) => e);
				expect((error as StoreError).reason).toBe('failed');
			}
		} finally {
			await db.close();
			rmSync(dir, { recursive: true, force: true });
		}
	});
});
