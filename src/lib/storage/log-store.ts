// Where a space's log rests: one interface, one file per implementation (IndexedDB in the
// browser, memory for tests, and soon a relay's embedded database), one contract suite that
// every implementation runs (tests/contracts/log-store.ts). A store keeps the log doc's Yjs
// updates of each room as records; it never sees anything but ciphertext.

import * as Y from 'yjs';

/** Whether a stored record is a Yjs update (anything else is damage, set aside). */
export function isUpdateRecord(record: unknown): record is Uint8Array {
	if (!(record instanceof Uint8Array)) return false;
	try {
		Y.decodeUpdate(record);
		return true;
	} catch {
		// reason: undecodable bytes are exactly what "damaged" means; the caller counts them.
		return false;
	}
}

/** Why a store could not do something: codes go down, sentences are made near the UI. */
export type StoreFailure = 'full' | 'failed' | 'closed';

export class StoreError extends Error {
	readonly reason: StoreFailure;

	constructor(reason: StoreFailure, detail = '') {
		super(detail || reason);
		this.name = 'StoreError';
		this.reason = reason;
	}
}

export interface Loaded {
	/** The stored updates, in the order they were stored. */
	updates: Uint8Array[];
	/** Records that were not Yjs updates: set aside (kept, never deleted), counted here. */
	damaged: number;
}

/** One room's stored log, open. */
export interface StoredLog {
	readonly room: string;
	/** How many records hold the log now (compact when this grows). */
	readonly records: number;
	/** Reads everything stored; damaged records are set aside first. */
	load(): Promise<Loaded>;
	/**
	 * Stores one update. Resolves only once it is durable (committed); rejects with a
	 * StoreError ('full' when the device's quota is reached) and then nothing was stored.
	 */
	append(update: Uint8Array): Promise<void>;
	/**
	 * Replaces the records with one that holds all of them and `state` (merged inside the
	 * same commit, so a record another tab added meanwhile is never lost). `state` goes first:
	 * where it and a record hold the same ids, its (garbage-collected) form wins, so content
	 * deleted since leaves the disk.
	 */
	compact(state: Uint8Array): Promise<void>;
	close(): Promise<void>;
}

export interface LogStore {
	/** Opens a room's stored log, creating an empty one if there is none. */
	open(room: string): Promise<StoredLog>;
	/** Deletes a room's stored log (resolves once gone). */
	remove(room: string): Promise<void>;
	/** Copies every record of one room into another (a space that moved). Idempotent. */
	copy(from: string, to: string): Promise<number>;
}
