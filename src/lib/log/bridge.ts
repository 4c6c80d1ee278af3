// The bridge: the one module that joins the plaintext content doc and the ciphertext log doc.
// Local content updates are coalesced, sealed and appended to the log; log entries from
// elsewhere are verified, opened, checked and applied. Nothing from the log can throw into a
// Yjs event handler or reach the content doc unverified; every rejection is counted by reason.
import * as Y from 'yjs';
import type { EditCapability, ViewCapability } from '../crypto/capability';
import * as envelope from '../crypto/envelope';
import type { Signer, Verifier } from '../crypto/signing';
import { logArray, logBytes } from './log-doc';

export type Reason = envelope.Rejection | 'undecodable' | 'body-too-large' | 'apply-failed';

export interface BridgeOptions {
	content: Y.Doc;
	log: Y.Doc;
	cap: EditCapability | ViewCapability;
	/** Null for a viewer: it opens the log but never writes to it. */
	signer: Signer | null;
	verifier: Verifier;
	/** Local updates are merged for at most this long before sealing. */
	coalesceMs?: number;
	/** Compact (while idle) once the log has more entries or bytes than this. */
	compactAt?: { entries: number; bytes: number };
	idleMs?: number;
	maxBodyBytes?: number;
}

export interface BridgeStats {
	opened: number;
	sealed: number;
	compactions: number;
	reseals: number;
	rejected: Partial<Record<Reason, number>>;
}

const FLUSH_BYTES = 64 * 1024;
/**
 * Y.mergeUpdates is superlinear in how many updates it merges at once (measured: 2,200 small
 * updates in one call cost 10× more than in groups of 50), so waiting updates are merged in
 * groups as they come, and the groups once more when sealing.
 */
const GROUP = 32;

export class Bridge {
	readonly stats: BridgeStats = { opened: 0, sealed: 0, compactions: 0, reseals: 0, rejected: {} };
	readonly #content: Y.Doc;
	readonly #log: Y.Doc;
	readonly #cap: EditCapability | ViewCapability;
	readonly #signer: Signer | null;
	readonly #verifier: Verifier;
	readonly #coalesceMs: number;
	readonly #compactAt: { entries: number; bytes: number };
	readonly #idleMs: number;
	readonly #maxBody: number;
	/** Envelopes accepted (applied, or our own), by signature: a duplicate is skipped. */
	readonly #seen = new Set<string>();
	/** Entries rejected, by object: counted every time, and removed by the next compaction. */
	readonly #rejectedEntries = new WeakSet<object>();
	#pending: Uint8Array[] = [];
	#groups: Uint8Array[] = [];
	#pendingBytes = 0;
	#flushTimer: ReturnType<typeof setTimeout> | null = null;
	/** When local changes were last sealed: the next seal waits until a window has passed. */
	#lastFlush = -Infinity;
	#flushQueued = false;
	readonly #rejectionListeners = new Set<(reason: Reason) => void>();
	#idleTimer: ReturnType<typeof setTimeout> | null = null;
	/** One chain for all async work, so it runs in order and `settled()` can wait for it. */
	#work: Promise<void> = Promise.resolve();
	#destroyed = false;

	private constructor(options: BridgeOptions) {
		this.#content = options.content;
		this.#log = options.log;
		this.#cap = options.cap;
		this.#signer = options.signer;
		this.#verifier = options.verifier;
		this.#coalesceMs = options.coalesceMs ?? 50;
		this.#compactAt = options.compactAt ?? { entries: 500, bytes: 8 * 1024 * 1024 };
		this.#idleMs = options.idleMs ?? 2_000;
		this.#maxBody = options.maxBodyBytes ?? 32 * 1024 * 1024;
	}

	/** Opens every entry already in the log into the content doc, then follows both docs. */
	static async create(options: BridgeOptions): Promise<Bridge> {
		const bridge = new Bridge(options);
		await bridge.#ingest(logArray(options.log).toArray());
		options.content.on('update', bridge.#onContentUpdate);
		logArray(options.log).observe(bridge.#onLogChange);
		return bridge;
	}

	get canWrite(): boolean {
		return this.#signer !== null;
	}

	/** Resolves once everything received so far is processed and local changes are sealed. */
	async settled(): Promise<void> {
		await this.flush();
		let current: Promise<void>;
		do {
			current = this.#work;
			await current;
		} while (current !== this.#work);
	}

	/** Seals whatever local changes are waiting. */
	flush(): Promise<void> {
		if (this.#flushTimer !== null) {
			clearTimeout(this.#flushTimer);
			this.#flushTimer = null;
		}
		this.#lastFlush = performance.now();
		const merged = this.#takePending();
		if (merged === null) return this.#work;
		return this.#enqueue(() => this.#append(envelope.KIND_UPDATE, merged, []));
	}

	/**
	 * Seals waiting local changes synchronously (tweetnacl), for `pagehide`: the log update is
	 * then in the log doc, and so in the storage journal, before the tab goes away.
	 */
	flushNow(): void {
		if (this.#flushTimer !== null) {
			clearTimeout(this.#flushTimer);
			this.#flushTimer = null;
		}
		if (this.#destroyed) return;
		const merged = this.#takePending();
		if (merged === null) return;
		const sealed = envelope.sealSync(this.#cap as EditCapability, envelope.KIND_UPDATE, merged);
		this.#seen.add(envelope.idOf(sealed));
		Y.transact(this.#log, () => logArray(this.#log).push([sealed]), this);
		this.stats.sealed++;
	}

	/**
	 * Seals one snapshot of the verified content and, in the same log transaction, deletes the
	 * entries it covers. Only an editor can; returns whether it did.
	 */
	async compact(): Promise<boolean> {
		if (this.#signer === null || this.#destroyed) return false;
		await this.flush();
		let done = false;
		await this.#enqueue(async () => {
			const covered = new Set(this.#seen);
			await this.#append(envelope.KIND_SNAPSHOT, Y.encodeStateAsUpdate(this.#content), covered);
			this.stats.compactions++;
			done = true;
		});
		return done;
	}

	destroy(): void {
		this.#destroyed = true;
		if (this.#flushTimer !== null) clearTimeout(this.#flushTimer);
		if (this.#idleTimer !== null) clearTimeout(this.#idleTimer);
		this.#content.off('update', this.#onContentUpdate);
		logArray(this.#log).unobserve(this.#onLogChange);
	}

	/** All waiting local updates as one, or null when there are none (or nobody can sign). */
	#takePending(): Uint8Array | null {
		if (this.#signer === null) return null;
		const parts = [...this.#groups, ...this.#pending];
		this.#groups = [];
		this.#pending = [];
		this.#pendingBytes = 0;
		if (parts.length === 0) return null;
		return parts.length === 1 ? (parts[0] as Uint8Array) : Y.mergeUpdates(parts);
	}

	#onContentUpdate = (update: Uint8Array, origin: unknown) => {
		if (origin === this || this.#destroyed) return;
		// A viewer's content never leaves this device: it cannot sign, and must not try.
		if (this.#signer === null) return;
		this.#pending.push(update);
		if (this.#pending.length >= GROUP) {
			this.#groups.push(Y.mergeUpdates(this.#pending));
			this.#pending = [];
		}
		this.#pendingBytes += update.length;
		if (this.#pendingBytes >= FLUSH_BYTES) void this.flush();
		else if (this.#flushTimer === null) {
			// Throttled, not debounced: a change after a quiet moment is sealed at once (after
			// the current task, so one burst of transactions is one envelope); while typing fast,
			// at most one envelope per window, so a keystroke waits at most that long.
			const wait = this.#lastFlush + this.#coalesceMs - performance.now();
			if (wait <= 0 && !this.#flushQueued) {
				// A microtask, not a zero timeout: browsers clamp nested timeouts to 4 ms.
				this.#flushQueued = true;
				queueMicrotask(() => {
					this.#flushQueued = false;
					if (!this.#destroyed) void this.flush();
				});
			} else if (wait > 0) {
				this.#flushTimer = setTimeout(() => void this.flush(), wait);
			}
		}
	};

	#onLogChange = (event: Y.YArrayEvent<Uint8Array>, tx: Y.Transaction) => {
		if (tx.origin === this || this.#destroyed) return;
		try {
			const added: unknown[] = [];
			for (const item of event.changes.added) {
				for (const value of item.content.getContent()) added.push(value);
			}
			const deleted = event.changes.deleted.size > 0;
			this.#enqueue(async () => {
				const snapshotArrived = await this.#ingest(added);
				// A deletion counts only with a snapshot that verifies in the same transaction.
				if (deleted && !snapshotArrived) await this.#reseal();
			});
		} catch (error) {
			// reason: nothing from the network may throw into Yjs's observer loop.
			console.warn('Ignored a log change that could not be read', error);
		}
	};

	/** Verifies, opens and applies entries; returns whether a valid snapshot was among them. */
	async #ingest(entries: unknown[]): Promise<boolean> {
		const bodies: Uint8Array[] = [];
		let snapshot = false;
		for (const entry of entries) {
			const opened = await envelope.open(this.#cap, this.#verifier, entry);
			if (!opened.ok) {
				this.#reject(opened.reason, entry);
				continue;
			}
			// Verified, so the signature really names this envelope.
			const id = envelope.idOf(entry as Uint8Array);
			if (this.#seen.has(id)) continue;
			if (opened.body.length > this.#maxBody) {
				this.#reject('body-too-large', entry);
				continue;
			}
			try {
				Y.decodeUpdate(opened.body);
			} catch {
				// reason: counted here; undecodable bodies never reach the content doc.
				this.#reject('undecodable', entry);
				continue;
			}
			this.#seen.add(id);
			if (opened.kind === envelope.KIND_SNAPSHOT) snapshot = true;
			bodies.push(opened.body);
		}
		if (bodies.length > 0) {
			Y.transact(
				this.#content,
				() => {
					for (const body of bodies) {
						try {
							Y.applyUpdate(this.#content, body, this);
							this.stats.opened++;
						} catch (error) {
							this.#reject('apply-failed', null);
							console.warn('A verified update could not be applied', error);
						}
					}
				},
				this
			);
		}
		this.#scheduleCompaction();
		return snapshot;
	}

	/** Someone deleted entries without a covering snapshot: write back what we hold. */
	async #reseal(): Promise<void> {
		if (this.#signer === null) return;
		await this.#append(envelope.KIND_SNAPSHOT, Y.encodeStateAsUpdate(this.#content), []);
		this.stats.reseals++;
	}

	/** Seals a body and appends it; deletes `covered` entries in the same log transaction. */
	async #append(kind: envelope.Kind, body: Uint8Array, covered: Iterable<string>): Promise<void> {
		if (this.#signer === null || this.#destroyed) return;
		const sealed = await envelope.seal(this.#cap as EditCapability, this.#signer, kind, body);
		const doomed = new Set(covered);
		this.#seen.add(envelope.idOf(sealed));
		const log = logArray(this.#log);
		Y.transact(
			this.#log,
			() => {
				if (doomed.size > 0) {
					const entries = log.toArray();
					for (let i = entries.length - 1; i >= 0; i--) {
						const entry = entries[i] as unknown;
						const junk = !(entry instanceof Uint8Array) || this.#rejectedEntries.has(entry);
						if (junk || doomed.has(envelope.idOf(entry))) log.delete(i, 1);
					}
				}
				log.push([sealed]);
			},
			this
		);
		if (doomed.size > 0) {
			// Deleted entries are gone; forget them so a later copy would be looked at again.
			for (const id of doomed) this.#seen.delete(id);
			this.#seen.add(envelope.idOf(sealed));
		}
		this.stats.sealed++;
		this.#scheduleCompaction();
	}

	#scheduleCompaction() {
		if (this.#signer === null || this.#destroyed) return;
		const log = logArray(this.#log);
		if (log.length <= this.#compactAt.entries && logBytes(this.#log) <= this.#compactAt.bytes)
			return;
		if (this.#idleTimer !== null) clearTimeout(this.#idleTimer);
		this.#idleTimer = setTimeout(() => {
			this.#idleTimer = null;
			void this.compact();
		}, this.#idleMs);
	}

	#reject(reason: Reason, entry: unknown) {
		this.stats.rejected[reason] = (this.stats.rejected[reason] ?? 0) + 1;
		if (typeof entry === 'object' && entry !== null) this.#rejectedEntries.add(entry);
		for (const listener of this.#rejectionListeners) listener(reason);
	}

	/** Called for every entry refused (forged, malformed, too big); returns an unsubscribe. */
	onRejected(listener: (reason: Reason) => void): () => void {
		this.#rejectionListeners.add(listener);
		return () => this.#rejectionListeners.delete(listener);
	}

	#enqueue(task: () => Promise<void>): Promise<void> {
		const next = this.#work.then(task).catch((error: unknown) => {
			console.warn('The bridge could not finish a step', error);
		});
		this.#work = next;
		return next;
	}
}
