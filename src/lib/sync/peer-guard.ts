// What one WebRTC connection may send over time, on top of each message's own checks
// (peer-message.ts). Presence is capped per connection, not only per message: y-webrtc keeps
// every state it hears and re-broadcasts it, so a peer that sends 1,000 new states a second
// would otherwise grow every victim's memory without end. Requests that make us send a lot back
// (query-awareness: every state we hold; sync step 1: everything the asker lacks) are answered
// at most once per interval. A whole space's history arrives in one sync step 2 that may exceed
// the cap on updates, only as the answer to a step 1 we sent. A refused message is dropped; the connection stays.
import {
	AWARENESS,
	BC_PEER_ID,
	checkPeerMessage,
	QUERY_AWARENESS,
	STEP1,
	STEP2,
	SYNC,
	type AwarenessEntry,
	type PeerMessageReason
} from './peer-message';
import type * as Y from 'yjs';
import { heldLog, type HeldLog } from '../log/log-doc';

/**
 * Distinct presence states one connection may hold. y-webrtc passes on every state it hears,
 * so one connection legitimately carries everyone in the room: 256 people is a big room for a
 * full mesh (y-webrtc opens 20–35 connections at most).
 */
export const MAX_CONNECTION_STATES = 256;
/** Characters of presence JSON one connection may hold: ~4 KB for each of 256 people. */
export const MAX_CONNECTION_STATE_CHARS = 1024 * 1024;
/** A state not renewed for this long is gone (y-protocols' own timeout); it stops counting. */
export const STATE_TTL_MS = 30_000;
/**
 * At most one query-awareness (answered with every state we hold) and one sync step 1
 * (answered with everything the asker lacks) per connection in this long. y-webrtc sends
 * neither more than once per connection.
 */
export const ANSWER_INTERVAL_MS = 5_000;

/** A peer may answer with a whole history (a step 2 over the update cap) once per this long. */
export const HISTORY_INTERVAL_MS = 60_000;

export type GuardReason =
	PeerMessageReason | 'presence-flood' | 'query-flood' | 'sync-flood' | 'not-over-webrtc';

export type GuardVerdict = { ok: true } | { ok: false; reason: GuardReason };

interface Held {
	chars: number;
	seen: number;
}

export class PeerGuard {
	readonly #now: () => number;
	readonly #held: HeldLog | undefined;
	readonly #states = new Map<number, Held>();
	#lastQuery = -Infinity;
	#lastStep1 = -Infinity;
	/**
	 * Whether the peer may answer with a sync step 2 over the update cap: once for each sync
	 * step 1 we sent it (the answer is everything we lack, a whole history included).
	 */
	#asked = false;
	#lastHistory = -Infinity;

	readonly #historyIntervalMs: number;

	/**
	 * `log`: the receiver's log doc, so updates are also checked against what it holds.
	 * `historyIntervalMs`: how often a step 1 we send may be answered with a whole history (a
	 * relay session asks only when the relay says it holds more, itself at most every 5 s).
	 */
	constructor(now: () => number = Date.now, log?: Y.Doc, historyIntervalMs = HISTORY_INTERVAL_MS) {
		this.#now = now;
		this.#held = log === undefined ? undefined : heldLog(log);
		this.#historyIntervalMs = historyIntervalMs;
	}

	/** Whether y-webrtc may read `message`; a refusal says why. */
	check(message: Uint8Array): GuardVerdict {
		const checked = checkPeerMessage(message, this.#asked, this.#held);
		if (!checked.ok) return checked;
		const now = this.#now();
		switch (checked.type) {
			case AWARENESS:
				return this.#awareness(checked.states, now);
			case QUERY_AWARENESS:
				if (now - this.#lastQuery < ANSWER_INTERVAL_MS) return { ok: false, reason: 'query-flood' };
				this.#lastQuery = now;
				return { ok: true };
			case SYNC:
				if (checked.sub === STEP2) this.#asked = false;
				if (checked.sub !== STEP1) return { ok: true };
				if (now - this.#lastStep1 < ANSWER_INTERVAL_MS) return { ok: false, reason: 'sync-flood' };
				this.#lastStep1 = now;
				return { ok: true };
			case BC_PEER_ID:
				// Meant for tabs of one browser (BroadcastChannel); over WebRTC it would let a peer
				// add "tabs" to our room without end.
				return { ok: false, reason: 'not-over-webrtc' };
		}
	}

	/**
	 * We are sending `message` to this peer: a sync step 1 lets it answer with a whole history —
	 * the first at once, later ones (resyncs) at most once per HISTORY_INTERVAL_MS, since a
	 * hostile peer could answer each with the costliest history the caps allow.
	 */
	sent(message: Uint8Array): void {
		if (message[0] !== SYNC || message[1] !== STEP1) return;
		const now = this.#now();
		if (now - this.#lastHistory < this.#historyIntervalMs) return;
		this.#lastHistory = now;
		this.#asked = true;
	}

	/**
	 * These clients' states were refused after all (presence could not open them): they stop
	 * counting against this connection. Through a relay, one connection carries a whole room,
	 * so junk must not fill the room's allowance for everyone else.
	 */
	forget(clients: Iterable<number>): void {
		for (const client of clients) this.#states.delete(client);
	}

	#awareness(states: AwarenessEntry[], now: number): GuardVerdict {
		for (const [client, held] of this.#states) {
			if (now - held.seen > STATE_TTL_MS) this.#states.delete(client);
		}
		const next = new Map(this.#states);
		for (const { client, chars } of states) {
			if (chars === 0) next.delete(client);
			else next.set(client, { chars, seen: now });
		}
		let total = 0;
		for (const held of next.values()) total += held.chars;
		if (next.size > MAX_CONNECTION_STATES || total > MAX_CONNECTION_STATE_CHARS) {
			return { ok: false, reason: 'presence-flood' };
		}
		this.#states.clear();
		for (const [client, held] of next) this.#states.set(client, held);
		return { ok: true };
	}
}
