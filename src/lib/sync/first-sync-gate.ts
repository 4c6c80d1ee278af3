// One first sync at a time. When a peer connects, y-webrtc sends it our state vector (sync
// step 1) and it answers with everything we lack (step 2). A newcomer that meets five peers at
// once would so receive the whole space five times. The gate lets one step 1 be outstanding:
// the others wait until its answer has arrived, and then go out *fresh* (with the state vector
// we have by then), so the other peers send only what the first did not have. A peer that
// leaves does not hold the rest up, and when one stays silent (10 s) everyone waiting is asked
// at once, so silent peers that connected first cannot hold a newcomer's first sync 10 s each.
// A space's transports share one gate (session/space-network.ts), so a newcomer who meets a
// relay and a peer at once takes the space in once, from whichever answers first.

import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import type * as Y from 'yjs';

const MESSAGE_SYNC = 0;
const STEP1 = 0;
const STEP2 = 1;

const isSync = (message: Uint8Array, step: number) =>
	message[0] === MESSAGE_SYNC && message[1] === step;

export type Channel = object;

export class FirstSyncGate {
	readonly #freshStep1: () => Uint8Array;
	readonly #timeoutMs: number;
	#outstanding: Channel | null = null;
	readonly #held = new Map<Channel, (fresh: Uint8Array) => void>();
	#timer: ReturnType<typeof setTimeout> | null = null;

	constructor(freshStep1: () => Uint8Array, timeoutMs = 10_000) {
		this.#freshStep1 = freshStep1;
		this.#timeoutMs = timeoutMs;
	}

	/**
	 * `channel` is about to send `message`. Returns false when it must wait; `send` is then
	 * called later with a fresh step 1 in its place.
	 */
	outgoing(channel: Channel, message: Uint8Array, send: (fresh: Uint8Array) => void): boolean {
		if (!isSync(message, STEP1)) return true;
		// The channel we wait for may ask again, but its answer stays as overdue as it was: a
		// peer repeating its step 1 must not hold everyone else for ever.
		if (this.#outstanding === channel) return true;
		if (this.#outstanding === null) {
			this.#begin(channel);
			return true;
		}
		this.#held.set(channel, send);
		return false;
	}

	/**
	 * A message arrived on `channel` (already checked, not yet applied). The next step 1 goes
	 * out on a later turn, once this answer is in the document, so its state vector has it.
	 */
	incoming(channel: Channel, message: Uint8Array) {
		if (channel === this.#outstanding && isSync(message, STEP2)) {
			this.#outstanding = null;
			setTimeout(() => {
				if (this.#outstanding === null) this.#next();
			}, 0);
		}
	}

	closed(channel: Channel) {
		this.#held.delete(channel);
		if (channel === this.#outstanding) this.#next();
	}

	/** How many step 1 messages are waiting (for tests and the curious). */
	get waiting(): number {
		return this.#held.size;
	}

	destroy() {
		if (this.#timer !== null) clearTimeout(this.#timer);
		this.#held.clear();
		this.#outstanding = null;
	}

	#begin(channel: Channel) {
		this.#outstanding = channel;
		if (this.#timer !== null) clearTimeout(this.#timer);
		this.#timer = setTimeout(() => this.#release(), this.#timeoutMs);
	}

	/** The outstanding answer is overdue: ask everyone waiting now (gating what comes later). */
	#release() {
		this.#timer = null;
		this.#outstanding = null;
		const waiting = [...this.#held.values()];
		this.#held.clear();
		for (const send of waiting) {
			try {
				send(this.#freshStep1());
			} catch (error) {
				// reason: the channel closed while it waited; the others go all the same.
				console.warn('A waiting peer could not be asked for its changes', error);
			}
		}
	}

	#next() {
		if (this.#timer !== null) clearTimeout(this.#timer);
		this.#timer = null;
		this.#outstanding = null;
		const first = this.#held.entries().next();
		if (first.done) return;
		const [channel, send] = first.value;
		this.#held.delete(channel);
		this.#begin(channel);
		try {
			send(this.#freshStep1());
		} catch (error) {
			// reason: the channel closed while it waited; the next one goes instead.
			console.warn('A waiting peer could not be asked for its changes', error);
			this.#next();
		}
	}
}

/** y-webrtc's sync step 1 for `log` (our state vector): "send me what I lack". */
export function step1(log: Y.Doc): Uint8Array {
	const encoder = encoding.createEncoder();
	encoding.writeVarUint(encoder, MESSAGE_SYNC);
	syncProtocol.writeSyncStep1(encoder, log);
	return encoding.toUint8Array(encoder);
}

/** A gate whose waiting step 1s go out with `log`'s state vector at the time. */
export function logGate(log: Y.Doc): FirstSyncGate {
	return new FirstSyncGate(() => step1(log));
}
