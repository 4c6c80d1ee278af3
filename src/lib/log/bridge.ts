// The bridge: the one module that joins the plaintext content doc and the ciphertext log doc.
// Local content updates are coalesced, sealed and appended to the log; entries the log guard
// has verified are opened, checked and applied. Nothing from the log can throw into a Yjs event
// handler or reach the content doc unverified; every rejection is counted by reason.
// Editors also keep the log whole: they compact it (a snapshot whose signed header names the
// log state vector it replaces) and, when entries they hold went missing from it, seal again
// what the log lacks.
import * as Y from 'yjs';
import type { EditCapability, ViewCapability } from '../crypto/capability';
import * as envelope from '../crypto/envelope';
import type { Signer, Verifier } from '../crypto/signing';
import { LogGuard, type DeletionSummary, type VerifiedEntry } from './guard';
import { appendEntries } from './log-doc';
import * as ranges from './ranges';

/** Why an entry's content was not applied; `undecodable`: Yjs could not read or apply it. */
export type Reason = envelope.Rejection | 'undecodable' | 'body-too-large';

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
	/** Pause before tidying the log (see LogGuard); tests make it short. */
	pauseMs?: readonly [number, number];
	/** Pause after a deletion before checking that the log still holds everything. */
	repairMs?: number;
	/** Wall-clock time in ms (due compaction, the guard's backoff); tests pass a simulated clock. */
	now?: () => number;
}

export interface BridgeStats {
	opened: number;
	sealed: number;
	compactions: number;
	/** Times an editor sealed again what the log had lost. */
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
/** Activity postpones a due compaction by idleMs at a time, for at most this many idleMs. */
const MAX_POSTPONED = 10;

export class Bridge {
	readonly stats: BridgeStats = { opened: 0, sealed: 0, compactions: 0, reseals: 0, rejected: {} };
	readonly guard: LogGuard;
	readonly #content: Y.Doc;
	readonly #log: Y.Doc;
	readonly #cap: EditCapability | ViewCapability;
	readonly #signer: Signer | null;
	readonly #coalesceMs: number;
	readonly #compactAt: { entries: number; bytes: number };
	readonly #idleMs: number;
	readonly #maxBody: number;
	readonly #repairMs: number;
	readonly #now: () => number;
	/** Envelopes whose content is in the content doc (applied, or our own), by envelope id. */
	readonly #seen = new Set<string>();
	/**
	 * What live envelopes hold of the content doc, for the repair check (editors only). Worked
	 * out when a repair first needs it (opening a space reads each body once, to apply it), and
	 * known from the start for what this device seals.
	 */
	readonly #held = new Map<string, ranges.Ranges>();
	#pending: Uint8Array[] = [];
	#groups: Uint8Array[] = [];
	#pendingBytes = 0;
	#flushTimer: ReturnType<typeof setTimeout> | null = null;
	/** When local changes were last sealed: the next seal waits until a window has passed. */
	#lastFlush = -Infinity;
	#flushQueued = false;
	readonly #rejectionListeners = new Set<(reason: Reason) => void>();
	#idleTimer: ReturnType<typeof setTimeout> | null = null;
	/** When the log last became due for compaction (null: it is not). */
	#dueSince: number | null = null;
	#repairTimer: ReturnType<typeof setTimeout> | null = null;
	/** Log bytes when compacting last gave nothing back; no retry until the log grows. */
	#fruitless = -1;
	/** One chain for all async work, so it runs in order and `settled()` can wait for it. */
	#work: Promise<void> = Promise.resolve();
	#destroyed = false;

	private constructor(options: BridgeOptions) {
		this.#content = options.content;
		this.#log = options.log;
		this.#cap = options.cap;
		this.#signer = options.signer;
		this.#coalesceMs = options.coalesceMs ?? 50;
		this.#compactAt = options.compactAt ?? { entries: 500, bytes: 8 * 1024 * 1024 };
		this.#idleMs = options.idleMs ?? 2_000;
		this.#maxBody = options.maxBodyBytes ?? 32 * 1024 * 1024;
		this.#repairMs = options.repairMs ?? 1_500;
		this.#now = options.now ?? Date.now;
		this.guard = new LogGuard({
			log: options.log,
			cap: options.cap,
			verifier: options.verifier,
			now: this.#now,
			...(options.pauseMs ? { pauseMs: options.pauseMs } : {})
		});
		this.guard.trust(this);
	}

	/** Opens every entry already in the log into the content doc, then follows both docs. */
	static async create(options: BridgeOptions): Promise<Bridge> {
		const bridge = new Bridge(options);
		bridge.guard.on('entries', bridge.#onEntries);
		bridge.guard.on('rejected', bridge.#reject);
		bridge.guard.on('deletions', bridge.#onDeletions);
		await bridge.guard.start();
		options.content.on('update', bridge.#onContentUpdate);
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
			await this.guard.settled();
			await current;
		} while (current !== this.#work || !this.guard.idle);
	}

	/**
	 * Does now what otherwise waits for a quiet moment: the guard's tidying and, for an editor,
	 * the check that the log still holds everything. Then settles.
	 */
	async maintain(): Promise<void> {
		await this.guard.tidyNow();
		if (this.#repairTimer !== null) clearTimeout(this.#repairTimer);
		this.#repairTimer = null;
		await this.#enqueue(() => this.#repair());
		await this.settled();
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
		return this.#enqueue(() => this.#append(envelope.KIND_UPDATE, merged));
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
		this.#remember(sealed, ranges.ofUpdate(merged));
		Y.transact(this.#log, () => appendEntries(this.#log, [sealed]), this);
		this.stats.sealed++;
	}

	/**
	 * Seals one snapshot of the verified content and, in the same log transaction, deletes the
	 * entries it covers. Only an editor can, and only while every entry in the log has been
	 * checked and applied (else the snapshot would claim entries it does not hold). With
	 * `onlyIfSmaller` (the automatic trigger), only when the snapshot is smaller than the log it
	 * replaces. Returns whether it did.
	 */
	async compact({ onlyIfSmaller = false } = {}): Promise<boolean> {
		if (this.#signer === null || this.#destroyed) return false;
		await this.flush();
		let done = false;
		await this.#enqueue(async () => {
			await this.guard.settled();
			if (!this.guard.idle || this.#destroyed) return;
			// Captured together, in one turn: the vector and the content that backs it.
			const covers = this.guard.coverage();
			const doomed = this.guard.below(covers);
			const body = Y.encodeStateAsUpdate(this.#content);
			const bytes = this.guard.bytes;
			if (onlyIfSmaller && body.length >= bytes && this.guard.size <= this.#compactAt.entries) {
				// It would not shrink the log: wait until the log has grown past this size.
				this.#fruitless = bytes;
				return;
			}
			const held = ranges.ofVector(Y.decodeStateVector(Y.encodeStateVector(this.#content)));
			const sealed = await envelope.seal(
				this.#cap as EditCapability,
				this.#signer as Signer,
				envelope.KIND_SNAPSHOT,
				body,
				{ covers }
			);
			if (this.#destroyed) return;
			this.#remember(sealed, held);
			Y.transact(
				this.#log,
				() => {
					this.guard.deleteKeys(doomed, this);
					appendEntries(this.#log, [sealed]);
				},
				this
			);
			this.stats.sealed++;
			this.stats.compactions++;
			done = true;
		});
		return done;
	}

	destroy(): void {
		if (this.#destroyed) return;
		this.#destroyed = true;
		for (const timer of [this.#flushTimer, this.#idleTimer, this.#repairTimer]) {
			if (timer !== null) clearTimeout(timer);
		}
		this.#content.off('update', this.#onContentUpdate);
		this.guard.destroy();
		this.#rejectionListeners.clear();
	}

	/** Called for every entry refused (forged, malformed, too big); returns an unsubscribe. */
	onRejected(listener: (reason: Reason) => void): () => void {
		this.#rejectionListeners.add(listener);
		return () => this.#rejectionListeners.delete(listener);
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

	/** Verified entries from the guard: opened, checked and applied in one transaction. */
	#onEntries = (entries: VerifiedEntry[]) => {
		if (this.#destroyed) return;
		try {
			if (entries.every((entry) => this.#seen.has(entry.envelopeId))) {
				// Replayed copies of old envelopes (anyone can send them) are not activity: they
				// must not keep postponing compaction.
				this.#scheduleCompaction(false);
				return;
			}
			let applied = 0;
			Y.transact(this.#content, () => (applied = this.#applyEntries(entries)), this);
			this.#scheduleCompaction(applied > 0);
		} catch (error) {
			// reason: nothing from the network may throw into the guard's event loop.
			console.warn('Ignored log entries that could not be applied', error);
		}
	};

	/** The opened body of a verified entry, or null (counted) if it cannot be used. */
	#openBody(entry: VerifiedEntry): Uint8Array | null {
		const opened = envelope.decrypt(this.#cap, entry.value, entry.header);
		if (!opened.ok) {
			this.#reject(opened.reason);
			return null;
		}
		if (opened.body.length > this.#maxBody) {
			this.#reject('body-too-large');
			return null;
		}
		return opened.body;
	}

	/**
	 * Opens and applies each entry not seen before; returns how many were applied. Each body is
	 * read once, by Yjs as it applies it (no separate decode first: a 1 MB snapshot costs tens
	 * of ms to decode). Yjs reads all of an update's items before it integrates any, so a body
	 * it cannot read changes nothing; only a broken delete set, read last, leaves its items
	 * applied and some deletions not: what a signed update without those deletions would do.
	 * A body that throws is counted and not marked seen (a copy arriving again is tried, and
	 * counted, again), never rethrown.
	 */
	#applyEntries(entries: VerifiedEntry[]): number {
		let applied = 0;
		for (const entry of entries) {
			if (this.#seen.has(entry.envelopeId)) continue;
			const body = this.#openBody(entry);
			if (body === null) continue;
			try {
				Y.applyUpdate(this.#content, body, this);
			} catch {
				// reason: counted by reason; the body is a stranger's, and nothing it does may throw.
				this.#reject('undecodable');
				continue;
			}
			this.#seen.add(entry.envelopeId);
			this.stats.opened++;
			applied++;
		}
		return applied;
	}

	/**
	 * What each live envelope holds, for those not worked out yet: opened and decoded again
	 * (rarely: repairs follow deletions). One that cannot be read holds nothing.
	 */
	#learnHeld(live: ReadonlySet<string>) {
		for (const id of live) {
			if (this.#held.has(id)) continue;
			let held: ranges.Ranges = new Map();
			const entry = this.guard.verified(id);
			const opened = entry === null ? null : envelope.decrypt(this.#cap, entry.value, entry.header);
			if (opened?.ok === true) {
				try {
					held = ranges.ofUpdate(opened.body);
				} catch {
					// reason: it was counted as undecodable when it arrived; it holds nothing.
				}
			}
			this.#held.set(id, held);
		}
	}

	#remember(sealed: Uint8Array, held: ranges.Ranges) {
		const id = envelope.idOf(sealed);
		this.#seen.add(id);
		this.#held.set(id, held);
	}

	#onDeletions = (summary: DeletionSummary) => {
		if (this.#signer === null || this.#destroyed) return;
		if (summary.covered + summary.duplicate + summary.unsanctioned === 0) return;
		if (this.#repairTimer !== null) clearTimeout(this.#repairTimer);
		this.#repairTimer = setTimeout(() => {
			this.#repairTimer = null;
			void this.#enqueue(() => this.#repair());
		}, this.#repairMs);
	};

	/**
	 * After entries left the log: if this editor holds content the live entries no longer
	 * carry (a deletion slipped past the rules, a peer withheld an entry, an old client
	 * compacted without a covering vector), it seals what is missing as one update.
	 */
	async #repair(): Promise<void> {
		if (this.#signer === null || this.#destroyed) return;
		await this.guard.settled();
		if (!this.guard.idle)
			return this.#onDeletions({ covered: 1, junk: 0, duplicate: 0, unsanctioned: 0 });
		// What the next tidy puts back (a deletion without sanction) is not lost: counting it as
		// gone would seal it again in full on every such deletion. What waits out a backoff is:
		// it is held only in memory meanwhile (a closed tab would lose it), so it is sealed again.
		const live = new Set([...this.guard.liveEnvelopes(), ...this.guard.awaitingPutBack()]);
		for (const id of this.#held.keys()) if (!live.has(id)) this.#held.delete(id);
		this.#learnHeld(live);
		const content = Y.decodeStateVector(Y.encodeStateVector(this.#content));
		const from = ranges.missingFrom(content, this.#held.values());
		if (from === null) return;
		const diff = Y.encodeStateAsUpdate(this.#content, envelope.encodeStateVector(from));
		await this.#append(envelope.KIND_UPDATE, diff);
		this.stats.reseals++;
	}

	/** Seals a body and appends it to the log. */
	async #append(kind: envelope.Kind, body: Uint8Array): Promise<void> {
		if (this.#signer === null || this.#destroyed) return;
		const sealed = await envelope.seal(this.#cap as EditCapability, this.#signer, kind, body);
		if (this.#destroyed) return;
		this.#remember(sealed, ranges.ofUpdate(body));
		Y.transact(this.#log, () => appendEntries(this.#log, [sealed]), this);
		this.stats.sealed++;
		this.#scheduleCompaction();
	}

	/**
	 * Compacts while idle once the log is long or big, and only when that shrinks it: a log
	 * that is one snapshot bigger than the byte bound is left alone (else it would be sealed
	 * again every few seconds, forever, and sent to every peer each time). `activity` (something
	 * new arrived or was written) postpones it by `idleMs`, but never past MAX_POSTPONED × idleMs
	 * after it became due.
	 */
	#scheduleCompaction(activity = true) {
		if (this.#signer === null || this.#destroyed) return;
		const entries = this.guard.size;
		const bytes = this.guard.bytes;
		const long = entries > this.#compactAt.entries;
		const big =
			bytes > this.#compactAt.bytes &&
			bytes > 1.5 * this.guard.snapshotBytes &&
			bytes > this.#fruitless;
		if (entries < 2 || !(long || big)) {
			this.#dueSince = null;
			return;
		}
		const now = this.#now();
		this.#dueSince ??= now;
		if (this.#idleTimer !== null) {
			if (!activity || now - this.#dueSince > MAX_POSTPONED * this.#idleMs) return;
			clearTimeout(this.#idleTimer);
		}
		this.#idleTimer = setTimeout(() => {
			this.#idleTimer = null;
			this.#dueSince = null;
			void this.compact({ onlyIfSmaller: true });
		}, this.#idleMs);
	}

	#reject = (reason: Reason) => {
		this.stats.rejected[reason] = (this.stats.rejected[reason] ?? 0) + 1;
		for (const listener of this.#rejectionListeners) {
			try {
				listener(reason);
			} catch (error) {
				// reason: a listener's failure must not stop the bridge.
				console.warn('A rejection listener failed', error);
			}
		}
	};

	#enqueue(task: () => Promise<void>): Promise<void> {
		const next = this.#work.then(task).catch((error: unknown) => {
			console.warn('The bridge could not finish a step', error);
		});
		this.#work = next;
		return next;
	}
}
