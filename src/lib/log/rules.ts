// The deletion rules a blind peer can check (DESIGN.md §3), as pure functions: which log entries
// may go, judged with item ids and signature-checked headers only, so a viewer or a relay that
// cannot read a word enforces them exactly as an editor does.
//   - a snapshot's signed header names the log state vector it replaces (`covers`);
//   - an entry may be deleted when a verifying snapshot still in the log covers its item id;
//   - junk (anything that does not verify) may be deleted by anyone and is never put back;
//   - of several copies of one envelope, all but the one with the smallest item id may go;
//   - any other deletion is undone: whoever holds the envelope puts a copy back.
import type { StateVector } from '../crypto/envelope';
import type { ItemId } from './entries';

/** A total order on item ids: by client, then clock. Every peer picks the same smallest copy. */
export function compareIds(a: ItemId, b: ItemId): number {
	return a.client - b.client || a.clock - b.clock;
}

/** Whether `vector` covers the entry with this id. */
export function isBelow(vector: StateVector, id: ItemId): boolean {
	return id.clock < (vector.get(id.client) ?? 0);
}

/** Componentwise maximum: what a new snapshot covers (the log's vector and every vector it replaces). */
export function mergeVectors(vectors: Iterable<StateVector>): StateVector {
	const out: StateVector = new Map();
	for (const vector of vectors) {
		for (const [client, clock] of vector) {
			if (clock > (out.get(client) ?? 0)) out.set(client, clock);
		}
	}
	return out;
}

export type Verdict = 'junk' | 'covered' | 'duplicate' | 'unsanctioned';

/** What the log holds once a transaction is applied, as far as the rules need to know. */
export interface LogView {
	/** The `covers` vectors of the verifying snapshots in the log. */
	snapshots(): Iterable<StateVector>;
	/** Item ids of the live copies of an envelope (by envelope id). */
	copies(envelopeId: string): readonly ItemId[];
}

/**
 * Judges one deleted entry. `envelopeId` is null for junk (it did not verify). A deletion is
 * fine when the entry is covered by a snapshot in the log or when a smaller copy of the same
 * envelope is still there; otherwise it is unsanctioned and must be undone.
 */
export function judge(id: ItemId, envelopeId: string | null, view: LogView): Verdict {
	if (envelopeId === null) return 'junk';
	for (const covers of view.snapshots()) if (isBelow(covers, id)) return 'covered';
	for (const copy of view.copies(envelopeId)) if (compareIds(copy, id) < 0) return 'duplicate';
	return 'unsanctioned';
}

/** Of several live copies of one envelope, the ids that may be deleted (all but the smallest). */
export function extraCopies(copies: Iterable<ItemId>): ItemId[] {
	const sorted = [...copies].sort(compareIds);
	return sorted.slice(1);
}

/**
 * Whether an unsanctioned deletion still needs undoing: not if the envelope is covered by now
 * or a copy of it is back in the log (someone else put it back first).
 */
export function needsPutBack(id: ItemId, envelopeId: string, view: LogView): boolean {
	for (const covers of view.snapshots()) if (isBelow(covers, id)) return false;
	return view.copies(envelopeId).length === 0;
}
