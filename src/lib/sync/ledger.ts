// What one peer holds of a log doc, as far as this device can know: its state vector when it
// said so (sync step 1), then every update that crossed between us in either direction (a
// reliable, ordered channel delivers what we send). "In sync" is then a fact about two state
// vectors, not a flag a reconnect can leave stale. Pure Yjs; every transport keeps one per peer.
import * as Y from 'yjs';
import { encodeStateVector } from '../crypto/envelope';

export type Vector = Map<number, number>;

export class PeerLedger {
	readonly #doc: Y.Doc;
	readonly #theirs: Vector = new Map();
	/** Whether the peer has told us its state vector yet (until then we know nothing). */
	#heard = false;

	constructor(doc: Y.Doc) {
		this.#doc = doc;
	}

	get heard(): boolean {
		return this.#heard;
	}

	/** What we know the peer holds. */
	get theirs(): Vector {
		return new Map(this.#theirs);
	}

	/** The peer's state vector, as it sent it (sync step 1). */
	stateVector(vector: Vector): void {
		this.#heard = true;
		for (const [client, clock] of vector) this.#raise(client, 0, clock);
	}

	/** An update crossed (sent or received): the peer holds what it carries. */
	update(update: Uint8Array): void {
		let meta: { from: Map<number, number>; to: Map<number, number> };
		try {
			meta = Y.parseUpdateMeta(update);
		} catch {
			// reason: an update that does not parse carried nothing the peer now holds.
			return;
		}
		this.ranges(meta.from, meta.to);
	}

	/** Per-client clock ranges [from, to) that crossed (when already known, e.g. from a check). */
	ranges(from: ReadonlyMap<number, number>, to: ReadonlyMap<number, number>): void {
		for (const [client, end] of to) this.#raise(client, from.get(client) ?? 0, end);
	}

	/** Whether the peer holds exactly what we hold (both ways). */
	inSync(): boolean {
		if (!this.#heard) return false;
		const ours = Y.decodeStateVector(Y.encodeStateVector(this.#doc));
		for (const [client, clock] of ours) if ((this.#theirs.get(client) ?? 0) !== clock) return false;
		for (const [client, clock] of this.#theirs) if ((ours.get(client) ?? 0) !== clock) return false;
		return true;
	}

	/** What the peer lacks of ours, as a state vector to encode from; null when nothing. */
	lacking(): Uint8Array | null {
		if (!this.#heard) return null;
		const ours = Y.decodeStateVector(Y.encodeStateVector(this.#doc));
		for (const [client, clock] of ours) {
			if ((this.#theirs.get(client) ?? 0) < clock) return encodeStateVector(this.#theirs);
		}
		return null;
	}

	// A range only extends what the peer holds when it starts inside it: Yjs applies a client's
	// structs in clock order, so a later range waits for the gap to fill.
	#raise(client: number, from: number, to: number) {
		const have = this.#theirs.get(client) ?? 0;
		if (from <= have && to > have) this.#theirs.set(client, to);
	}
}
