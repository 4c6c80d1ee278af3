// One client's conversation with a relay (sync/relay-wire.ts) over any socket: answers the
// challenge with proof of `relayKey` (and, when asked to, the capability that makes the relay
// keep the space), then keeps a log doc in step with the relay's — checking what arrives as it
// checks any peer (peer-guard.ts) — and learns what the relay has committed (`kept`). The app's
// relay transport wraps this around a WebSocket; tests drive it directly.
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { ObservableV2 } from 'lib0/observable';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { toBytes, type RelayCapability } from '../crypto/capability';
import type { Signer } from '../crypto/signing';
import { step1, type FirstSyncGate } from './first-sync-gate';
import { checkAwarenessUpdate } from './peer-message';
import { PeerGuard } from './peer-guard';
import {
	decodeFrame,
	encodeFrame,
	forgetRequest,
	FRAME,
	PART_TIMEOUT_MS,
	PartAssembler,
	PRESENCE_AWARENESS,
	PRESENCE_QUERY,
	readSync,
	relayProof,
	syncMessage
} from './relay-wire';

export type RelaySessionEvents = {
	/** The relay accepted our proof; sync has begun. */
	joined: () => void;
	/** The relay's store now holds this log state vector. */
	kept: (stateVector: Map<number, number>) => void;
	/** The relay refused something, by code. */
	refused: (code: string) => void;
	/** A message from the relay was dropped (malformed, over a cap). */
	dropped: (reason: string) => void;
	/** The relay no longer keeps the space (an editor asked it to). */
	forgotten: () => void;
	/** A big frame on its way in (PARTs): bytes so far and in all; null once done or let go. */
	receiving: (progress: { received: number; total: number } | null) => void;
};

export interface RelaySessionOptions {
	log: Y.Doc;
	cap: RelayCapability;
	/** Ask the relay to keep this space (sends the b1 capability). */
	keep: boolean;
	send: (bytes: Uint8Array) => void;
	/**
	 * One first sync at a time across every way in (first-sync-gate.ts): our step 1 waits
	 * while another peer's or relay's answer is on its way, then goes out fresh.
	 */
	gate?: FirstSyncGate;
	/**
	 * The space's sealed presence (sync/presence.ts), carried through the relay when given:
	 * this device's own state goes out; others' come in, checked as any peer's.
	 */
	awareness?: awarenessProtocol.Awareness;
}

/**
 * A relay whose KEPT shows it holds entries we lack is asked for them (a step 1) at most this
 * often (a relay answers one step 1 per 5 s per connection): an update too big to pass on as one
 * (a member catching up) reaches the others so.
 */
const PULL_INTERVAL_MS = 6_000;

/** Progress of a big frame is reported at most once per this many bytes. */
const PROGRESS_STEP = 64 * 1024;

export class RelaySession extends ObservableV2<RelaySessionEvents> {
	joined = false;
	/** What the relay last said it holds (committed). */
	kept: Map<number, number> | null = null;
	readonly #options: RelaySessionOptions;
	readonly #guard: PeerGuard;
	/** This connection's challenge, which a request to forget the space signs. */
	#nonce: Uint8Array | null = null;
	readonly #parts = new PartAssembler();
	#partTimer: ReturnType<typeof setTimeout> | null = null;
	#lastPull = 0;
	/** Our first step 1 has been answered: until then, our own first sync is the pull. */
	#synced = false;
	#pullTimer: ReturnType<typeof setTimeout> | null = null;
	/** Bytes of the frame in progress when progress was last reported. */
	#reported = 0;
	#destroyed = false;

	constructor(options: RelaySessionOptions) {
		super();
		this.#options = options;
		this.#guard = new PeerGuard(Date.now, options.log, PULL_INTERVAL_MS);
		options.log.on('update', this.#onUpdate);
		options.awareness?.on('update', this.#onAwareness);
	}

	/** A frame from the relay. Never throws. */
	receive(bytes: Uint8Array): void {
		if (this.#destroyed) return;
		const frame = decodeFrame(bytes);
		if (frame === null) return void this.emit('dropped', ['malformed']);
		switch (frame.type) {
			case FRAME.challenge: {
				const { room, relayKey } = this.#options.cap;
				this.#nonce = frame.nonce;
				this.#send(encodeFrame({ type: FRAME.hello, room }));
				if (this.#options.keep) {
					this.#send(encodeFrame({ type: FRAME.keep, capability: toBytes(this.#options.cap) }));
				}
				this.#send(
					encodeFrame({ type: FRAME.proof, proof: relayProof(relayKey, frame.nonce, room) })
				);
				return;
			}
			case FRAME.joined: {
				// One per connection: a relay repeating it is asking us for nothing but our step 1s.
				if (this.joined) return void this.emit('dropped', ['unexpected']);
				this.joined = true;
				const ask = step1(this.#options.log);
				const gate = this.#options.gate;
				if (gate === undefined || gate.outgoing(this, ask, this.#ask)) this.#ask(ask);
				// Say who we are, and ask the others (through the relay) to say who they are.
				if (this.#options.awareness !== undefined) {
					this.#sendOwnPresence();
					this.#sendPresence(presenceMessage(PRESENCE_QUERY));
				}
				this.emit('joined', []);
				return;
			}
			case FRAME.presence:
				return this.#presence(frame.message);
			case FRAME.part:
				return this.#part(frame.total, frame.bytes);
			case FRAME.sync:
				return this.#sync(frame.message);
			case FRAME.kept:
				try {
					this.kept = Y.decodeStateVector(frame.stateVector);
				} catch {
					// reason: an unreadable vector is a malformed frame, dropped and counted.
					return void this.emit('dropped', ['malformed']);
				}
				this.emit('kept', [this.kept]);
				if (this.#lacking(this.kept)) this.#pull();
				return;
			case FRAME.refused:
				this.emit('refused', [frame.code]);
				return;
			case FRAME.forgotten:
				this.joined = false;
				this.kept = null;
				this.emit('forgotten', []);
				return;
			default:
				this.emit('dropped', ['unexpected']);
		}
	}

	/**
	 * Asks the relay to stop keeping the space, signed with the space's `signSk` (editors only)
	 * over this connection's nonce and the room. Answered by `forgotten` or `refused`.
	 */
	async forget(signer: Signer): Promise<void> {
		if (!this.joined || this.#nonce === null) throw new Error('Not joined to the relay.');
		const signature = await signer.sign(forgetRequest(this.#nonce, this.#options.cap.room));
		this.#send(encodeFrame({ type: FRAME.forget, signature }));
	}

	/** Whether the relay has committed everything this log holds. */
	holdsAll(): boolean {
		return this.kept !== null && covers(this.kept, vectorOf(this.#options.log));
	}

	override destroy(): void {
		if (this.#destroyed) return;
		this.#destroyed = true;
		this.#options.log.off('update', this.#onUpdate);
		this.#options.awareness?.off('update', this.#onAwareness);
		this.#options.gate?.closed(this);
		if (this.#partTimer !== null) clearTimeout(this.#partTimer);
		if (this.#pullTimer !== null) clearTimeout(this.#pullTimer);
		this.#parts.reset();
		super.destroy();
	}

	/** A piece of a big frame: handled as a frame once whole; progress meanwhile. */
	#part(total: number, bytes: Uint8Array) {
		if (this.#partTimer !== null) clearTimeout(this.#partTimer);
		this.#partTimer = null;
		if (this.#parts.progress === null) this.#reported = 0;
		const whole = this.#parts.add(total, bytes);
		if (whole === 'violation') {
			this.emit('receiving', [null]);
			return void this.emit('dropped', ['malformed']);
		}
		if (whole === 'more') {
			// A relay that stops mid-frame does not keep what it sent here for long.
			this.#partTimer = setTimeout(() => {
				this.#partTimer = null;
				this.#parts.reset();
				this.emit('receiving', [null]);
				this.emit('dropped', ['timeout']);
			}, PART_TIMEOUT_MS);
			// Progress at most once per 64 KiB: tiny pieces must not cost a status report each.
			const progress = this.#parts.progress;
			if (progress !== null && progress.received - this.#reported >= PROGRESS_STEP) {
				this.#reported = progress.received;
				this.emit('receiving', [progress]);
			}
			return;
		}
		this.emit('receiving', [null]);
		// A frame is split once: a PART inside PARTs is malformed.
		if (decodeFrame(whole)?.type === FRAME.part) return void this.emit('dropped', ['malformed']);
		this.receive(whole);
	}

	#sync(message: Uint8Array) {
		const checked = this.#guard.check(message);
		// Even a refused answer ends the wait for it: the next peer is asked.
		this.#options.gate?.incoming(this, message);
		if (message[0] === 0 && message[1] === 1) this.#synced = true;
		if (!checked.ok || message[0] !== 0)
			return void this.emit('dropped', [checked.ok ? 'not-sync' : checked.reason]);
		try {
			const answer = readSync(message, this.#options.log, this);
			if (answer !== null) this.#send(encodeFrame({ type: FRAME.sync, message: answer }));
		} catch {
			// reason: checked before, so this is Yjs refusing something we let through: dropped.
			this.emit('dropped', ['unreadable']);
		}
	}

	/** Whether the relay holds entries this log lacks. */
	#lacking(kept: Map<number, number>): boolean {
		return !covers(vectorOf(this.#options.log), kept);
	}

	/** Asks the relay for what we lack (a step 1), at most once per PULL_INTERVAL_MS. */
	#pull() {
		if (this.#pullTimer !== null || this.#destroyed || !this.joined || !this.#synced) return;
		const wait = this.#lastPull + PULL_INTERVAL_MS - Date.now();
		if (wait > 0) {
			this.#pullTimer = setTimeout(() => {
				this.#pullTimer = null;
				if (this.kept !== null && this.#lacking(this.kept)) this.#pull();
			}, wait);
			return;
		}
		this.#ask(step1(this.#options.log));
	}

	/** Sends a step 1 ("send me what I lack"); its answer may be a whole history. */
	#ask = (message: Uint8Array) => {
		this.#lastPull = Date.now();
		this.#guard.sent(message);
		this.#send(encodeFrame({ type: FRAME.sync, message }));
	};

	/** Presence from the relay: someone's sealed state, or a request for ours. */
	#presence(message: Uint8Array) {
		const awareness = this.#options.awareness;
		if (awareness === undefined) return;
		const checked = this.#guard.check(message);
		if (!checked.ok) return void this.emit('dropped', [checked.reason]);
		if (message[0] === PRESENCE_QUERY) return this.#sendOwnPresence();
		try {
			const decoder = decoding.createDecoder(message);
			decoding.readVarUint(decoder);
			const update = decoding.readVarUint8Array(decoder);
			awarenessProtocol.applyAwarenessUpdate(awareness, update, this);
			// Presence drops what it cannot open (in a microtask); once it has, those states stop
			// counting against this connection, which carries the whole room.
			queueMicrotask(() => {
				const held = awareness.getStates();
				const named = checkAwarenessUpdate(update).map((entry) => entry.client);
				const gone = named.filter((client) => !held.has(client));
				this.#guard.forget(gone);
			});
		} catch {
			// reason: checked before, so this is y-protocols refusing something we let through.
			this.emit('dropped', ['unreadable']);
		}
	}

	/** Our own presence changed (or was renewed): the others hear it through the relay. */
	#onAwareness = (
		changes: { added: number[]; updated: number[]; removed: number[] },
		origin: unknown
	) => {
		const awareness = this.#options.awareness;
		if (awareness === undefined || origin === this || !this.joined) return;
		const own = awareness.clientID;
		if (![...changes.added, ...changes.updated, ...changes.removed].includes(own)) return;
		this.#sendOwnPresence();
	};

	/** Only this device's own state: the relay passes it to everyone else in the room. */
	#sendOwnPresence() {
		const awareness = this.#options.awareness;
		if (awareness === undefined) return;
		const update = awarenessProtocol.encodeAwarenessUpdate(awareness, [awareness.clientID]);
		this.#sendPresence(presenceMessage(PRESENCE_AWARENESS, update));
	}

	#sendPresence(message: Uint8Array) {
		this.#send(encodeFrame({ type: FRAME.presence, message }));
	}

	#onUpdate = (update: Uint8Array, origin: unknown) => {
		if (origin === this || !this.joined || this.#destroyed) return;
		const message = syncMessage((encoder) => syncProtocol.writeUpdate(encoder, update));
		this.#send(encodeFrame({ type: FRAME.sync, message }));
	};

	#send(bytes: Uint8Array) {
		try {
			this.#options.send(bytes);
		} catch {
			// reason: the socket closed meanwhile; its close is reported on its own.
		}
	}
}

/** A y-webrtc presence message: its type, then (for awareness) the update as bytes. */
function presenceMessage(type: number, update?: Uint8Array): Uint8Array {
	const encoder = encoding.createEncoder();
	encoding.writeVarUint(encoder, type);
	if (update !== undefined) encoding.writeVarUint8Array(encoder, update);
	return encoding.toUint8Array(encoder);
}

/** A doc's state vector, as a map. */
function vectorOf(doc: Y.Doc): Map<number, number> {
	return Y.decodeStateVector(Y.encodeStateVector(doc));
}

/** Whether state vector `held` covers everything `wanted` names. */
function covers(held: Map<number, number>, wanted: Map<number, number>): boolean {
	for (const [client, clock] of wanted) if ((held.get(client) ?? 0) < clock) return false;
	return true;
}
