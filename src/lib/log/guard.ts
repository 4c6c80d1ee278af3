// The log guard: what every peer does with a space's log doc, whether or not it can read it.
// It verifies every entry's signature (with signPk alone), keeps an index of the live entries
// (junk, copies, snapshots and what they cover), enforces the deletion rules of `rules.ts` —
// an unsanctioned deletion is undone by putting the envelope back — and tidies up what anyone
// may remove (junk, extra copies) after a random pause, so peers rarely do the same work twice.
// Readers (the Bridge) take the verified entries from it; a blind relay runs it alone.
// No DOM: Yjs, lib0 and the crypto room only.
import { ObservableV2 } from 'lib0/observable';
import * as Y from 'yjs';
import type { Capability } from '../crypto/capability';
import * as envelope from '../crypto/envelope';
import type { Verifier } from '../crypto/signing';
import { changedEntries, keyOf, liveEntries, type ItemId, type LogEntry } from './entries';
import { appendEntries, logArray } from './log-doc';
import * as rules from './rules';

export interface VerifiedEntry {
	id: ItemId;
	envelopeId: string;
	value: Uint8Array;
	header: envelope.Header;
}

export interface DeletionSummary {
	covered: number;
	junk: number;
	duplicate: number;
	unsanctioned: number;
}

export interface GuardStats {
	verified: number;
	rejected: Partial<Record<envelope.Rejection, number>>;
	/** Deletions seen, by verdict. */
	deletions: DeletionSummary;
	/** Envelopes this peer put back after an unsanctioned deletion. */
	putBack: number;
	/** Put-backs postponed: that envelope was put back lately (the backoff). */
	putBackHeld: number;
	junkRemoved: number;
	copiesRemoved: number;
}

export type GuardEvents = {
	/** Entries that became live and verify, in the order they were processed. */
	entries: (entries: VerifiedEntry[]) => void;
	/** An entry did not verify. */
	rejected: (reason: envelope.Rejection) => void;
	/** A transaction deleted entries; what the rules made of them. */
	deletions: (summary: DeletionSummary) => void;
};

export interface GuardOptions {
	log: Y.Doc;
	cap: Pick<Capability, 'topicBytes'>;
	verifier: Verifier;
	/** Tidying waits a random time in this range (ms), so peers rarely race to do it. */
	pauseMs?: readonly [number, number];
	random?: () => number;
	/** Wall-clock time in ms (the put-back backoff); tests pass a simulated clock. */
	now?: () => number;
}

interface Indexed {
	id: ItemId;
	/** Null for junk: it did not verify. */
	envelopeId: string | null;
	value: unknown;
	header: envelope.Header | null;
	bytes: number;
}

/**
 * Putting one envelope back again waits PUT_BACK_BACKOFF_MS, doubling each time up to
 * PUT_BACK_MAX_MS (the count starts over after that long without one). Honest peers need one
 * put-back; a forked item id (two peers holding different envelopes under one id, which anyone
 * can cause: item ids are not signed) would otherwise make two honest peers undo each other's
 * tidying forever, re-sending the envelope each round. Backing off, not giving up: someone who
 * keeps deleting an envelope cannot make a blind peer drop it.
 */
const PUT_BACK_BACKOFF_MS = 30_000;
const PUT_BACK_MAX_MS = 60 * 60_000;
/** Envelopes whose put-backs are remembered (the oldest are forgotten first). */
const PUT_BACK_MEMORY = 4_096;

/** How long after its last put-back (the `count`th lately) an envelope may be put back again. */
function putBackWait(count: number): number {
	return Math.min(PUT_BACK_MAX_MS, PUT_BACK_BACKOFF_MS * 2 ** (count - 1));
}

/**
 * A snapshot's `covers` reaches a writer's later entries across at most this many ids its
 * author never saw verify (entries deleted before it saw them and not covered by an earlier
 * snapshot: an honest log has few; a squatted range has as many as the attacker likes).
 */
const MAX_UNSEEN = 1_024;

/** Signatures are checked this many at a time (WebCrypto works in parallel). */
const VERIFY_BATCH = 256;
/**
 * A long run of work gives the event loop a turn after this long, so one hostile message with
 * thousands of entries never holds the page (or a relay) for more than about this in one task.
 */
const SLICE_MS = 8;

/** Ends the current task: the next step runs after whatever else is waiting (input, paint). */
function yieldToEventLoop(): Promise<void> {
	const scheduler = (globalThis as { scheduler?: { yield?: () => Promise<void> } }).scheduler;
	if (typeof scheduler?.yield === 'function') return scheduler.yield();
	return new Promise((resolve) => setTimeout(resolve, 0));
}

export class LogGuard extends ObservableV2<GuardEvents> {
	readonly stats: GuardStats = {
		verified: 0,
		rejected: {},
		deletions: { covered: 0, junk: 0, duplicate: 0, unsanctioned: 0 },
		putBack: 0,
		putBackHeld: 0,
		junkRemoved: 0,
		copiesRemoved: 0
	};
	readonly #doc: Y.Doc;
	readonly #log: Y.Array<unknown>;
	readonly #cap: Pick<Capability, 'topicBytes'>;
	readonly #verifier: Verifier;
	readonly #pauseMs: readonly [number, number];
	readonly #random: () => number;
	readonly #now: () => number;
	/** Origins whose entries were sealed on this device and need no checking. */
	readonly #trusted = new Set<unknown>([this]);
	readonly #live = new Map<string, Indexed>();
	/** envelope id → item key → item id, for the live copies of each envelope. */
	readonly #copies = new Map<string, Map<string, ItemId>>();
	/** item key → covers, for the live snapshots that verify (version 2). */
	readonly #snapshots = new Map<string, { covers: envelope.StateVector; bytes: number }>();
	#bytes = 0;
	/** Per writer (log client id), the clocks of the entries that verified here. */
	readonly #verifiedClocks = new Map<number, number[]>();
	/** envelope id → how often we put it back lately, and when last (for the backoff). */
	readonly #putBackTimes = new Map<string, { count: number; last: number }>();
	/** Unsanctioned deletions waiting to be undone, by envelope id. */
	readonly #putBacks = new Map<
		string,
		{ id: ItemId; value: Uint8Array; header: envelope.Header | null }
	>();
	#tidyTimer: ReturnType<typeof setTimeout> | null = null;
	#work: Promise<void> = Promise.resolve();
	#pending = 0;
	#started = false;
	#destroyed = false;

	constructor(options: GuardOptions) {
		super();
		this.#doc = options.log;
		this.#log = logArray(options.log) as Y.Array<unknown>;
		this.#cap = options.cap;
		this.#verifier = options.verifier;
		this.#pauseMs = options.pauseMs ?? [300, 1500];
		this.#random = options.random ?? Math.random;
		this.#now = options.now ?? Date.now;
	}

	/** Indexes (and reports) what the log holds now, then follows every change to it. */
	async start(): Promise<void> {
		if (this.#started) return this.settled();
		this.#started = true;
		this.#log.observe(this.#onChange);
		this.#doc.on('destroy', this.#onDocDestroy);
		await this.#enqueue(() => this.#process(liveEntries(this.#log), [], true));
	}

	/** Entries added in transactions with this origin are this device's own, sealed here. */
	trust(origin: unknown): void {
		this.#trusted.add(origin);
	}

	/** No log change is waiting to be checked. */
	get idle(): boolean {
		return this.#pending === 0;
	}

	/** Live entries and their bytes (junk included). */
	get size(): number {
		return this.#live.size;
	}

	get bytes(): number {
		return this.#bytes;
	}

	/** The largest live snapshot, in bytes (0 when there is none). */
	get snapshotBytes(): number {
		let largest = 0;
		for (const { bytes } of this.#snapshots.values()) largest = Math.max(largest, bytes);
		return largest;
	}

	/** Envelope ids of the live entries that verify. */
	liveEnvelopes(): IterableIterator<string> {
		return this.#copies.keys();
	}

	/**
	 * Envelope ids of verified entries deleted without sanction that the next tidy puts back.
	 * Not those waiting out a backoff (put back lately, deleted again): until then they would be
	 * held only in this tab's memory, so an editor seals their content again instead.
	 */
	awaitingPutBack(): string[] {
		const now = this.#now();
		return [...this.#putBacks.keys()].filter((id) => this.#backoff(id, now).wait <= 0);
	}

	/**
	 * An envelope's put-backs lately (0 once PUT_BACK_MAX_MS passed without one) and how long
	 * its next one still waits (≤ 0: none).
	 */
	#backoff(envelopeId: string, now: number): { count: number; wait: number } {
		const lately = this.#putBackTimes.get(envelopeId);
		const count = lately !== undefined && now - lately.last < PUT_BACK_MAX_MS ? lately.count : 0;
		if (lately === undefined || count === 0) return { count, wait: 0 };
		return { count, wait: lately.last + putBackWait(count) - now };
	}

	/**
	 * A verified copy of an envelope the log holds, or is waiting to put back; null when there
	 * is neither.
	 */
	verified(envelopeId: string): VerifiedEntry | null {
		for (const key of this.#copies.get(envelopeId)?.keys() ?? []) {
			const entry = this.#live.get(key);
			if (entry?.header != null && entry.value instanceof Uint8Array) {
				return { id: entry.id, envelopeId, value: entry.value, header: entry.header };
			}
		}
		const waiting = this.#putBacks.get(envelopeId);
		if (waiting?.header != null) {
			return { id: waiting.id, envelopeId, value: waiting.value, header: waiting.header };
		}
		return null;
	}

	/**
	 * What a snapshot sealed now may cover: every vector the live snapshots cover (so a peer
	 * that slept through several compactions can check the last), and, per writer (log client
	 * id), its ids up to the last entry that verified here — but not across a run of more than
	 * MAX_UNSEEN ids this peer never saw verify. Not the log's state vector: item ids are not
	 * signed, and one deleted run from anyone can make that name a writer's future ids
	 * ("squatting"), with a genuine copy placed after it to look verified. A snapshot vouches
	 * only for what its author held. Only meaningful while `idle`: every entry below it has then
	 * been checked and reported.
	 */
	coverage(): envelope.StateVector {
		const earlier = rules.mergeVectors([...this.#snapshots.values()].map((s) => s.covers));
		const out: envelope.StateVector = new Map(earlier);
		for (const [client, clocks] of this.#verifiedClocks) {
			clocks.sort((a, b) => a - b);
			let reach = earlier.get(client) ?? 0;
			for (const clock of clocks) {
				if (clock < reach) continue;
				if (clock - reach > MAX_UNSEEN) break;
				reach = clock + 1;
			}
			if (reach > (out.get(client) ?? 0)) out.set(client, reach);
		}
		return out;
	}

	/** Keys of the live entries a snapshot covering `vector` replaces. */
	below(vector: envelope.StateVector): Set<string> {
		const out = new Set<string>();
		for (const [key, entry] of this.#live) if (rules.isBelow(vector, entry.id)) out.add(key);
		return out;
	}

	/** Resolves once every log change seen so far has been checked. */
	async settled(): Promise<void> {
		let current: Promise<void>;
		do {
			current = this.#work;
			await current;
		} while (current !== this.#work);
	}

	/** Does now what waits for the random pause (put back, remove junk and copies). */
	async tidyNow(): Promise<void> {
		if (this.#tidyTimer !== null) clearTimeout(this.#tidyTimer);
		this.#tidyTimer = null;
		await this.#enqueue(async () => this.#tidy());
		await this.settled();
	}

	/**
	 * Deletes the live entries with these keys, in the caller's transaction (or one of its own
	 * with `origin`). Returns how many it found.
	 */
	deleteKeys(keys: ReadonlySet<string>, origin: unknown = this): number {
		if (keys.size === 0) return 0;
		const positions: number[] = [];
		let index = 0;
		for (let item = this.#log._start; item !== null; item = item.right) {
			if (item.deleted || !item.countable) continue;
			for (let k = 0; k < item.length; k++) {
				if (keys.has(`${item.id.client}:${item.id.clock + k}`)) positions.push(index + k);
			}
			index += item.length;
		}
		if (positions.length === 0) return 0;
		Y.transact(
			this.#doc,
			() => {
				// From the end, in runs, so earlier positions stay valid.
				let end = positions.length - 1;
				while (end >= 0) {
					let start = end;
					while (start > 0 && positions[start - 1] === (positions[start] as number) - 1) start--;
					this.#log.delete(positions[start] as number, end - start + 1);
					end = start - 1;
				}
			},
			origin
		);
		return positions.length;
	}

	override destroy(): void {
		if (this.#destroyed) return;
		this.#destroyed = true;
		if (this.#tidyTimer !== null) clearTimeout(this.#tidyTimer);
		this.#tidyTimer = null;
		this.#putBacks.clear();
		if (this.#started) this.#log.unobserve(this.#onChange);
		this.#doc.off('destroy', this.#onDocDestroy);
		super.destroy();
	}

	#onDocDestroy = () => this.destroy();

	#onChange = (_event: Y.YArrayEvent<unknown>, tx: Y.Transaction) => {
		if (this.#destroyed) return;
		try {
			const { added, deleted } = changedEntries(tx, this.#log);
			if (added.length === 0 && deleted.length === 0) return;
			const trusted = this.#trusted.has(tx.origin);
			void this.#enqueue(() => this.#process(added, deleted, trusted));
		} catch (error) {
			// reason: nothing from the network may throw into Yjs's observer loop.
			console.warn('Ignored a log change that could not be read', error);
		}
	};

	async #process(added: LogEntry[], deleted: LogEntry[], trusted: boolean): Promise<void> {
		const gone: Indexed[] = [];
		for (const { id } of deleted) {
			const key = keyOf(id);
			const entry = this.#live.get(key);
			if (entry !== undefined) {
				this.#unindex(key, entry);
				gone.push(entry);
			}
		}
		const verified = await this.#verifyAll(added, trusted);
		if (this.#destroyed) return;
		if (gone.length > 0) this.#judge(gone);
		if (verified.length > 0) this.emit('entries', [verified]);
	}

	async #verifyAll(added: LogEntry[], trusted: boolean): Promise<VerifiedEntry[]> {
		const verified: VerifiedEntry[] = [];
		let tidy = false;
		let sliceStart = performance.now();
		for (let at = 0; at < added.length; at += VERIFY_BATCH) {
			if (performance.now() - sliceStart > SLICE_MS) {
				await yieldToEventLoop();
				sliceStart = performance.now();
			}
			const batch = added.slice(at, at + VERIFY_BATCH);
			const checks = await Promise.all(
				batch.map((entry) =>
					trusted
						? envelope.inspect(entry.value)
						: envelope.verify(this.#cap, this.#verifier, entry.value)
				)
			);
			if (this.#destroyed) return [];
			for (const [i, entry] of batch.entries()) {
				const check = checks[i] as envelope.Checked;
				const key = keyOf(entry.id);
				const bytes = entry.value instanceof Uint8Array ? entry.value.length : 0;
				if (!check.ok) {
					this.stats.rejected[check.reason] = (this.stats.rejected[check.reason] ?? 0) + 1;
					this.#index(key, {
						id: entry.id,
						envelopeId: null,
						value: entry.value,
						header: null,
						bytes
					});
					this.emit('rejected', [check.reason]);
					tidy = true;
					continue;
				}
				const value = entry.value as Uint8Array;
				const envelopeId = envelope.idOf(value);
				this.stats.verified++;
				const copies = this.#index(key, {
					id: entry.id,
					envelopeId,
					value,
					header: check.header,
					bytes
				});
				if (copies > 1) tidy = true;
				this.#putBacks.delete(envelopeId);
				const clocks = this.#verifiedClocks.get(entry.id.client);
				if (clocks === undefined) this.#verifiedClocks.set(entry.id.client, [entry.id.clock]);
				else clocks.push(entry.id.clock);
				verified.push({ id: entry.id, envelopeId, value, header: check.header });
			}
		}
		if (tidy) this.#scheduleTidy();
		return verified;
	}

	#judge(gone: Indexed[]) {
		const summary: DeletionSummary = { covered: 0, junk: 0, duplicate: 0, unsanctioned: 0 };
		for (const entry of gone) {
			const verdict = rules.judge(entry.id, entry.envelopeId, this.#view);
			summary[verdict]++;
			this.stats.deletions[verdict]++;
			if (verdict === 'unsanctioned') {
				const envelopeId = entry.envelopeId as string;
				this.#putBacks.set(envelopeId, {
					id: entry.id,
					value: entry.value as Uint8Array,
					header: entry.header
				});
			}
		}
		if (summary.unsanctioned > 0) this.#scheduleTidy();
		this.emit('deletions', [summary]);
	}

	readonly #view: rules.LogView = {
		snapshots: () => [...this.#snapshots.values()].map((s) => s.covers),
		copies: (envelopeId) => [...(this.#copies.get(envelopeId)?.values() ?? [])]
	};

	/** Adds an entry to the index; returns how many live copies its envelope now has. */
	#index(key: string, entry: Indexed): number {
		this.#live.set(key, entry);
		this.#bytes += entry.bytes;
		if (entry.envelopeId === null) return 0;
		let copies = this.#copies.get(entry.envelopeId);
		if (copies === undefined) this.#copies.set(entry.envelopeId, (copies = new Map()));
		copies.set(key, entry.id);
		if (entry.header?.covers)
			this.#snapshots.set(key, { covers: entry.header.covers, bytes: entry.bytes });
		return copies.size;
	}

	#unindex(key: string, entry: Indexed) {
		this.#live.delete(key);
		this.#bytes -= entry.bytes;
		this.#snapshots.delete(key);
		if (entry.envelopeId === null) return;
		const copies = this.#copies.get(entry.envelopeId);
		copies?.delete(key);
		if (copies?.size === 0) this.#copies.delete(entry.envelopeId);
	}

	/** Tidies after the random pause, or after `afterMs` (a put-back waiting its turn). */
	#scheduleTidy(afterMs?: number) {
		if (this.#tidyTimer !== null || this.#destroyed) return;
		const [low, high] = this.#pauseMs;
		this.#tidyTimer = setTimeout(
			() => {
				this.#tidyTimer = null;
				void this.#enqueue(async () => this.#tidy());
			},
			afterMs ?? low + this.#random() * (high - low)
		);
	}

	/** Puts back what was deleted without sanction; removes junk and extra copies. */
	#tidy() {
		if (this.#destroyed) return;
		const back: Uint8Array[] = [];
		const now = this.#now();
		let retryIn = Infinity;
		let coveredSince = 0;
		for (const [envelopeId, { id, value }] of this.#putBacks) {
			if (!rules.needsPutBack(id, envelopeId, this.#view)) {
				this.#putBacks.delete(envelopeId);
				if (this.#copies.get(envelopeId) === undefined) coveredSince++;
				continue;
			}
			const { count, wait } = this.#backoff(envelopeId, now);
			if (wait > 0) {
				// Kept waiting; tried again when its time comes.
				this.stats.putBackHeld++;
				retryIn = Math.min(retryIn, wait);
				continue;
			}
			this.#putBacks.delete(envelopeId);
			this.#putBackTimes.delete(envelopeId);
			this.#putBackTimes.set(envelopeId, { count: count + 1, last: now });
			if (this.#putBackTimes.size > PUT_BACK_MEMORY) {
				this.#putBackTimes.delete(this.#putBackTimes.keys().next().value as string);
			}
			back.push(value);
		}
		if (retryIn < Infinity) this.#scheduleTidy(retryIn);
		if (coveredSince > 0) {
			// Deleted without sanction, and covered by a snapshot since: the deletion now stands
			// as a covered one, and an editor checks the snapshot really holds what it replaced.
			this.emit('deletions', [{ covered: coveredSince, junk: 0, duplicate: 0, unsanctioned: 0 }]);
		}
		const doomed = new Set<string>();
		for (const [key, entry] of this.#live) if (entry.envelopeId === null) doomed.add(key);
		const junk = doomed.size;
		for (const copies of this.#copies.values()) {
			if (copies.size < 2) continue;
			for (const id of rules.extraCopies(copies.values())) doomed.add(keyOf(id));
		}
		if (back.length === 0 && doomed.size === 0) return;
		Y.transact(
			this.#doc,
			() => {
				this.deleteKeys(doomed);
				if (back.length > 0) appendEntries(this.#doc, back);
			},
			this
		);
		// Out of the index at once: a second tidy before this deletion is processed finds
		// nothing to do, and our own deletion is not judged (it is junk and copies by design).
		for (const key of doomed) {
			const entry = this.#live.get(key);
			if (entry !== undefined) this.#unindex(key, entry);
		}
		this.stats.putBack += back.length;
		this.stats.junkRemoved += junk;
		this.stats.copiesRemoved += doomed.size - junk;
	}

	#enqueue(task: () => Promise<void>): Promise<void> {
		this.#pending++;
		const next = this.#work
			.then(task)
			.catch((error: unknown) => console.warn('The log guard could not finish a step', error))
			.finally(() => this.#pending--);
		this.#work = next;
		return next;
	}
}
