// Keeps a Y.Doc in a StoredLog: loads what is stored into it, stores each update as it
// happens, and says whether everything is saved. A failed write (a full disk) is reported and
// retried with the whole state, so what failed before is covered by the retry; nothing is
// thrown into Yjs's event handlers. The records are compacted into one once they are many.
// What this device itself wrote is also kept for a few seconds in a synchronous journal,
// against a tab closed before its commit lands.
import * as Y from 'yjs';
import { Journal } from './journal';
import { StoreError, type StoredLog } from './log-store';

export type SaveState = 'saved' | 'full' | 'error';

export interface PersistOptions {
	/** The synchronous journal, or null for none (a store without a browser). */
	journal?: Journal | null;
	onSaveState?(state: SaveState, detail: string): void;
	/** Compact the records once there are more than this many. */
	compactAt?: number;
	/**
	 * Compact, too, once this many bytes were stored since the last compaction: what was
	 * deleted since (junk a relay removed) then leaves the disk, not only the live log.
	 */
	compactBytes?: number;
	retryMs?: number;
	/**
	 * Updates with this origin are already in the store, put there by another writer (a relay
	 * node sharing the store): not written again, but counted as committed in their turn.
	 */
	storedBy?: unknown;
	/** This writer's own update has landed in the store (a relay node then tells the others). */
	onStored?(update: Uint8Array): void;
}

export interface Persisted {
	/** Stored records that could not be read and were set aside. */
	readonly damaged: number;
	/** Updates with this origin (this device's own sealing) also go to the journal. */
	journalFrom(origin: unknown): void;
	/** Resolves once every update seen so far is durable (or has failed and is being retried). */
	flushed(): Promise<void>;
	/**
	 * The doc's state vector as far as the store holds it for certain: it advances as writes
	 * land, in order, and stands still from a failed write until a whole-state save succeeds.
	 */
	readonly committedVector: Uint8Array;
	/**
	 * `committedVector` once the writes made so far have landed (not waiting for later ones, so
	 * a steady stream of updates cannot hold it back).
	 */
	committed(): Promise<Uint8Array>;
	destroy(): Promise<void>;
}

export async function persist(
	doc: Y.Doc,
	stored: StoredLog,
	options: PersistOptions = {}
): Promise<Persisted> {
	const journal = options.journal ?? null;
	const compactAt = options.compactAt ?? 500;
	const compactBytes = options.compactBytes ?? Infinity;
	/** Bytes appended since the last compaction (or the load). */
	let grown = 0;
	const retryMs = options.retryMs ?? 5_000;
	const loading = {};
	const { updates, damaged } = await stored.load();
	Y.transact(doc, () => updates.forEach((update) => Y.applyUpdate(doc, update)), loading, false);
	/** What the store holds for certain (see Persisted.committedVector). */
	let committedVector = Y.encodeStateVector(doc);
	/** A write failed since the last whole-state save: nothing later counts as committed. */
	let broken = false;
	// Whatever the last session typed just before closing, in case the store missed it.
	journal?.replay(doc, journal);

	const local = new Set<unknown>();
	let pending: Promise<void> = Promise.resolve();
	let failing = false;
	let retry: ReturnType<typeof setTimeout> | null = null;
	let compacting = false;
	let destroyed = false;
	const report = (state: SaveState, detail: string) => options.onSaveState?.(state, detail);

	const fail = (error: unknown) => {
		const reason = error instanceof StoreError ? error.reason : 'failed';
		if (reason === 'closed' || destroyed) return;
		failing = true;
		report(reason === 'full' ? 'full' : 'error', error instanceof Error ? error.message : '');
		retry ??= setTimeout(saveAll, retryMs);
	};
	// One record with the whole state covers every write that failed before.
	/** Tells the owner an update of its own has landed (a relay node passes it on). */
	const stored_ = (update: Uint8Array) => {
		try {
			options.onStored?.(update);
		} catch (error) {
			// reason: telling others is best effort; the update is stored either way.
			console.warn('Could not pass a stored update on', error);
		}
	};
	const saveAll = () => {
		retry = null;
		if (!failing || destroyed) return;
		// Updates from now on are written as usual, after this one: none falls in between. If
		// this write fails too, `fail` marks it failing again and plans the next try.
		failing = false;
		const state = Y.encodeStateAsUpdate(doc);
		write(state, Y.encodeStateVector(doc), true).then(() => {
			// The record that covers what failed: others are told of it, as of any write.
			stored_(state);
			if (!failing) report('saved', '');
		}, fail);
	};
	/** Appends `update`; once it lands (in order), the store holds `vector` (whole: all of it). */
	const write = (update: Uint8Array, vector: Uint8Array, whole = false): Promise<void> => {
		grown += update.length;
		const done = stored.append(update);
		pending = pending.then(() =>
			done.then(
				() => {
					if (whole) broken = false;
					if (!broken) committedVector = vector;
				},
				() => {
					broken = true;
				}
			)
		);
		return done;
	};
	const maybeCompact = () => {
		if (compacting || failing) return;
		if (stored.records <= compactAt && grown <= compactBytes) return;
		compacting = true;
		grown = 0;
		const compacted = stored
			.compact(Y.encodeStateAsUpdate(doc))
			.catch(fail)
			.finally(() => (compacting = false));
		pending = pending.then(() => compacted);
	};
	const onUpdate = (update: Uint8Array, origin: unknown) => {
		if (origin === loading) return;
		if (origin !== undefined && origin === options.storedBy) {
			// Committed already: it counts once every write before it has landed.
			const vector = Y.encodeStateVector(doc);
			pending = pending.then(() => {
				if (!broken) committedVector = vector;
			});
			return;
		}
		if (local.has(origin)) journal?.append(update);
		if (failing) {
			// Not written until the whole-state save: nothing counts as committed before it,
			// not even what another writer stored meanwhile (the doc's vector now covers this).
			broken = true;
			retry ??= setTimeout(saveAll, retryMs);
			return;
		}
		write(update, Y.encodeStateVector(doc)).then(() => {
			stored_(update);
			maybeCompact();
		}, fail);
	};
	doc.on('update', onUpdate);
	const flushed = async () => {
		let current: Promise<void>;
		do {
			current = pending;
			await current;
		} while (current !== pending);
	};
	let closing: Promise<void> | null = null;
	const close = async () => {
		doc.off('update', onUpdate);
		await flushed();
		destroyed = true;
		if (retry !== null) clearTimeout(retry);
		// A last try for what could not be saved (e.g. after the user freed space).
		if (failing) await stored.append(Y.encodeStateAsUpdate(doc)).catch(noop);
		await stored.close();
	};
	return {
		damaged,
		journalFrom(origin) {
			local.add(origin);
		},
		flushed,
		get committedVector() {
			return committedVector;
		},
		async committed() {
			await pending;
			return committedVector;
		},
		destroy: () => (closing ??= close())
	};
}

function noop() {
	// reason: settled either way; failures were reported where they happened.
}
