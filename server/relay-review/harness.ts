// Shared helpers for the relay review's tests (not a test file itself): an in-process relay over
// a temporary LevelDB, a store that counts what it is asked to write, and a raw client that
// speaks the relay's frames directly (an attacker does not use the app's session).
import { ClassicLevel } from 'classic-level';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import * as capability from '../../src/lib/crypto/capability';
import type { LogStore, StoredLog } from '../../src/lib/storage/log-store';
import {
	decodeFrame,
	encodeFrame,
	FRAME,
	relayProof,
	syncMessage,
	type RelayFrame
} from '../../src/lib/sync/relay-wire';
import { LevelKeptSpaces, LevelLogStore, type LevelDb } from '../level-log-store';
import { Relay, type KeptSpaces, type RelayOptions } from '../relay';

export const cleanup: Array<() => unknown> = [];
export async function runCleanup() {
	for (const step of cleanup.splice(0).reverse()) await step();
}

export const tick = (ms = 20) => new Promise((resolve) => setTimeout(resolve, ms));

export async function until(check: () => boolean, ms = 5_000) {
	const end = Date.now() + ms;
	while (!check()) {
		if (Date.now() > end) throw new Error('timed out');
		await tick(10);
	}
}

export function database(): LevelDb {
	const dir = mkdtempSync(join(tmpdir(), 'cp-relay-review-'));
	const db = new ClassicLevel<Uint8Array, Uint8Array>(dir, {
		keyEncoding: 'view',
		valueEncoding: 'view'
	});
	cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
	return db;
}

/** A LevelLogStore that counts opens, closes and appended bytes. */
export class CountingStore implements LogStore {
	readonly inner: LevelLogStore;
	opened = 0;
	closed = 0;
	appendedBytes = 0;
	appends = 0;
	constructor(db: LevelDb) {
		this.inner = new LevelLogStore(db);
	}
	async open(room: string): Promise<StoredLog> {
		const log = await this.inner.open(room);
		this.opened++;
		// eslint-disable-next-line @typescript-eslint/no-this-alias
		const store = this;
		return {
			room: log.room,
			get records() {
				return log.records;
			},
			load: () => log.load(),
			append: async (update) => {
				store.appendedBytes += update.length;
				store.appends++;
				return log.append(update);
			},
			compact: (state) => log.compact(state),
			close: async () => {
				store.closed++;
				return log.close();
			}
		};
	}
	remove(room: string) {
		return this.inner.remove(room);
	}
	copy(from: string, to: string) {
		return this.inner.copy(from, to);
	}
}

export function startRelay(
	db: LevelDb,
	options: Partial<RelayOptions> = {}
): { relay: Relay; store: CountingStore; kept: KeptSpaces } {
	const store = new CountingStore(db);
	const kept = options.kept ?? new LevelKeptSpaces(db);
	const relay = new Relay({ store, kept, ...options });
	cleanup.push(async () => {
		await relay.close();
		await db.close();
	});
	return { relay, store, kept };
}

export function newSpace() {
	const cap = capability.fromSecret(capability.newSecret());
	return { cap, relayCap: capability.toRelay(cap) };
}

/** A client speaking raw frames to `relay`; everything it is sent is decoded and kept. */
export function rawClient(relay: Relay, address = '203.0.113.7') {
	const frames: RelayFrame[] = [];
	let closed = false;
	let closeCode: number | undefined;
	const side = relay.connect(
		{
			send: (bytes) => {
				if (closed) return;
				const frame = decodeFrame(bytes);
				if (frame !== null) frames.push(frame);
			},
			close: (code) => {
				if (closed) return;
				closed = true;
				closeCode = code;
			}
		},
		address
	);
	const challenge = frames[0] as Extract<RelayFrame, { type: typeof FRAME.challenge }>;
	const client = {
		frames,
		side,
		nonce: challenge.nonce,
		send: (frame: RelayFrame) => side.receive(encodeFrame(frame)),
		sync: (message: Uint8Array) => side.receive(encodeFrame({ type: FRAME.sync, message })),
		update: (update: Uint8Array) =>
			client.sync(syncMessage((encoder) => syncProtocol.writeUpdate(encoder, update))),
		/** HELLO, (KEEP,) PROOF for `cap`. */
		join(cap: capability.RelayCapability, keep = false) {
			client.send({ type: FRAME.hello, room: cap.room });
			if (keep) client.send({ type: FRAME.keep, capability: capability.toBytes(cap) });
			client.send({
				type: FRAME.proof,
				proof: relayProof(cap.relayKey, challenge.nonce, cap.room)
			});
		},
		joined: () => frames.some((f) => f.type === FRAME.joined),
		refused: () =>
			frames
				.filter(
					(f): f is Extract<RelayFrame, { type: typeof FRAME.refused }> => f.type === FRAME.refused
				)
				.map((f) => f.code),
		kept: () =>
			frames.filter(
				(f): f is Extract<RelayFrame, { type: typeof FRAME.kept }> => f.type === FRAME.kept
			),
		isClosed: () => closed,
		closeCode: () => closeCode,
		/** The connection goes away (the ws 'close' event). */
		disconnect: () => {
			closed = true;
			side.close();
		}
	};
	cleanup.push(() => client.disconnect());
	return client;
}

export { Y };
