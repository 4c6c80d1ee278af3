// The relay protocol's frames (DESIGN.md §4b, docs/protocol.md "Relays"): binary WebSocket
// messages between the app (or any client) and a relay. Pure: encoding, decoding (never
// throwing on junk) and the proof of holding `relayKey`. Shared by the relay server and the
// app's relay transport, so both read the same bytes the same way.
//
//   client → relay   HELLO(room)                  which space
//   relay → client   CHALLENGE(nonce)             32 random bytes, fresh per connection
//   client → relay   KEEP(relayKey ‖ signPk)      optional: please keep this space (b1 capability)
//   client → relay   PROOF(proof)                 H("commonplace/v1/relay-proof", relayKey ‖ nonce ‖ room)
//   relay → client   JOINED                       proof accepted: sync may begin
//   either way       SYNC(y-protocols message)    step 1, step 2, update of the log doc
//   relay → client   KEPT(state vector)           what the relay's store now holds, after a commit
//   relay → client   REFUSED(code)                a limit or a rule, by name; the relay may close
//   client → relay   FORGET(signature)            an editor's Ed25519 signature: stop keeping this space
//   relay → client   FORGOTTEN                    the relay no longer keeps it (and closes)
//   relay → client   PART(total, bytes)           a piece of a bigger frame, so its arrival shows progress
//   either way       PRESENCE(y-webrtc message)   sealed presence (awareness, query), passed on, never kept
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import type * as Y from 'yjs';
import { concat, utf8 } from '../crypto/bytes';
import { derive, KEY_BYTES } from '../crypto/capability';

export const FRAME = {
	hello: 1,
	challenge: 2,
	keep: 3,
	proof: 4,
	joined: 5,
	sync: 6,
	kept: 7,
	refused: 8,
	forget: 9,
	forgotten: 10,
	part: 11,
	presence: 12
} as const;

/** The largest PRESENCE frame: one person's sealed state is at most ~11 KB (8,192 characters sealed). */
export const MAX_PRESENCE_BYTES = 16 * 1024;

/** The largest frame either side sends or takes (a whole first sync of a big space is one). */
export const MAX_FRAME_BYTES = 64 * 1024 * 1024;
/** A relay sends frames bigger than this as PARTs of this size (progress, and no stall). */
export const PART_BYTES = 256 * 1024;
/** Longest wait for the next PART of a frame before what arrived is let go. */
export const PART_TIMEOUT_MS = 30_000;

/** Reasons a relay refuses, as codes (sentences are made near the UI). */
export type RelayRefusal =
	| 'malformed'
	| 'unknown-room'
	| 'bad-proof'
	| 'bad-capability'
	| 'too-many-rooms'
	| 'relay-full'
	| 'room-full'
	| 'rate'
	| 'refused-update'
	| 'token'
	| 'unavailable'
	| 'bad-signature';

export type RelayFrame =
	| { type: typeof FRAME.hello; room: string }
	| { type: typeof FRAME.challenge; nonce: Uint8Array }
	| { type: typeof FRAME.keep; capability: Uint8Array }
	| { type: typeof FRAME.proof; proof: Uint8Array }
	| { type: typeof FRAME.joined }
	| { type: typeof FRAME.sync; message: Uint8Array }
	| { type: typeof FRAME.kept; stateVector: Uint8Array }
	| { type: typeof FRAME.refused; code: string }
	| { type: typeof FRAME.forget; signature: Uint8Array }
	| { type: typeof FRAME.forgotten }
	| { type: typeof FRAME.part; total: number; bytes: Uint8Array }
	| { type: typeof FRAME.presence; message: Uint8Array };

/** A room is 32 lowercase hex digits (crypto/capability.ts). */
export const ROOM_PATTERN = /^[0-9a-f]{32}$/;
const NONCE_BYTES = 32;
const SIGNATURE_BYTES = 64;

export function encodeFrame(frame: RelayFrame): Uint8Array {
	const encoder = encoding.createEncoder();
	encoding.writeVarUint(encoder, frame.type);
	switch (frame.type) {
		case FRAME.hello:
			encoding.writeVarString(encoder, frame.room);
			break;
		case FRAME.challenge:
			encoding.writeVarUint8Array(encoder, frame.nonce);
			break;
		case FRAME.keep:
			encoding.writeVarUint8Array(encoder, frame.capability);
			break;
		case FRAME.proof:
			encoding.writeVarUint8Array(encoder, frame.proof);
			break;
		case FRAME.joined:
			break;
		case FRAME.sync:
			encoding.writeUint8Array(encoder, frame.message);
			break;
		case FRAME.kept:
			encoding.writeVarUint8Array(encoder, frame.stateVector);
			break;
		case FRAME.refused:
			encoding.writeVarString(encoder, frame.code);
			break;
		case FRAME.forget:
			encoding.writeVarUint8Array(encoder, frame.signature);
			break;
		case FRAME.forgotten:
			break;
		case FRAME.part:
			encoding.writeVarUint(encoder, frame.total);
			encoding.writeUint8Array(encoder, frame.bytes);
			break;
		case FRAME.presence:
			encoding.writeUint8Array(encoder, frame.message);
			break;
	}
	return encoding.toUint8Array(encoder);
}

/** Reads one frame, or null for anything malformed (wrong lengths included). Never throws. */
export function decodeFrame(bytes: Uint8Array): RelayFrame | null {
	try {
		const decoder = decoding.createDecoder(bytes);
		const type = decoding.readVarUint(decoder);
		let frame: RelayFrame;
		switch (type) {
			case FRAME.hello: {
				const room = decoding.readVarString(decoder);
				if (!ROOM_PATTERN.test(room)) return null;
				frame = { type, room };
				break;
			}
			case FRAME.challenge: {
				const nonce = decoding.readVarUint8Array(decoder);
				if (nonce.length !== NONCE_BYTES) return null;
				frame = { type, nonce };
				break;
			}
			case FRAME.keep: {
				const capability = decoding.readVarUint8Array(decoder);
				if (capability.length !== 2 * KEY_BYTES) return null;
				frame = { type, capability };
				break;
			}
			case FRAME.proof: {
				const proof = decoding.readVarUint8Array(decoder);
				if (proof.length !== KEY_BYTES) return null;
				frame = { type, proof };
				break;
			}
			case FRAME.joined:
				frame = { type };
				break;
			case FRAME.sync:
				// The rest of the frame is the sync message; checked by peer-message.ts before use.
				return { type, message: bytes.subarray(decoder.pos) };
			case FRAME.kept:
				frame = { type, stateVector: decoding.readVarUint8Array(decoder) };
				break;
			case FRAME.refused: {
				const code = decoding.readVarString(decoder);
				if (code.length > 64) return null;
				frame = { type, code };
				break;
			}
			case FRAME.forget: {
				const signature = decoding.readVarUint8Array(decoder);
				if (signature.length !== SIGNATURE_BYTES) return null;
				frame = { type, signature };
				break;
			}
			case FRAME.forgotten:
				frame = { type };
				break;
			case FRAME.part: {
				// The rest of the frame is the piece; a frame is never split into more than it holds.
				const total = decoding.readVarUint(decoder);
				const piece = bytes.subarray(decoder.pos);
				if (total > MAX_FRAME_BYTES || piece.length === 0 || piece.length > total) return null;
				return { type, total, bytes: piece };
			}
			case FRAME.presence: {
				// A y-webrtc awareness (1) or query-awareness (3) message, checked by the receiver
				// as any peer's (peer-guard.ts); a relay only bounds it and passes it on.
				const message = bytes.subarray(decoder.pos);
				if (message.length > MAX_PRESENCE_BYTES) return null;
				if (message[0] !== PRESENCE_AWARENESS && message[0] !== PRESENCE_QUERY) return null;
				return { type, message };
			}
			default:
				return null;
		}
		// Nothing may follow a frame's fields.
		return decoder.pos === bytes.length ? frame : null;
	} catch {
		// reason: a decoding error is exactly what "malformed" means; the caller counts it.
		return null;
	}
}

/**
 * The frames that carry `frame` on the wire: itself when small, else PARTs of `partBytes`
 * (a relay's big answers, so the receiver can show how much has arrived).
 */
export function framesOf(frame: Uint8Array, partBytes = PART_BYTES): Uint8Array[] {
	if (frame.length <= partBytes) return [frame];
	const parts: Uint8Array[] = [];
	for (let at = 0; at < frame.length; at += partBytes) {
		const bytes = frame.subarray(at, at + partBytes);
		parts.push(encodeFrame({ type: FRAME.part, total: frame.length, bytes }));
	}
	return parts;
}

/** The first reassembly buffer; it doubles as pieces arrive, never past the frame's total. */
const FIRST_PART_BUFFER = 256 * 1024;

/**
 * Puts PARTs back together. The pieces are copied into one buffer that doubles as they arrive
 * (never past the announced total), so memory is at most twice the bytes that arrived, however
 * small the pieces; a part that does not fit the frame in progress (another total, past the
 * end) is a violation and drops it. The owner lets go of an assembly that stalls (`reset`).
 */
export class PartAssembler {
	#buffer: Uint8Array | null = null;
	#received = 0;
	#total = 0;

	/** Bytes of the frame in progress so far, and in all (null when none is). */
	get progress(): { received: number; total: number } | null {
		return this.#total === 0 ? null : { received: this.#received, total: this.#total };
	}

	/** Adds a piece: the whole frame once complete, 'more' while not, or 'violation'. */
	add(total: number, bytes: Uint8Array): Uint8Array | 'more' | 'violation' {
		if (this.#total !== 0 && total !== this.#total) {
			this.reset();
			return 'violation';
		}
		const received = this.#received + bytes.length;
		if (received > total) {
			this.reset();
			return 'violation';
		}
		this.#total = total;
		let buffer = this.#buffer ?? new Uint8Array(Math.min(total, FIRST_PART_BUFFER));
		if (received > buffer.length) {
			const grown = new Uint8Array(Math.min(total, Math.max(received, buffer.length * 2)));
			grown.set(buffer.subarray(0, this.#received));
			buffer = grown;
		}
		buffer.set(bytes, this.#received);
		this.#buffer = buffer;
		this.#received = received;
		if (received < total) return 'more';
		this.reset();
		return buffer;
	}

	reset(): void {
		this.#buffer = null;
		this.#received = 0;
		this.#total = 0;
	}
}

/** y-webrtc's message types a PRESENCE frame may carry. */
export const PRESENCE_AWARENESS = 1;
export const PRESENCE_QUERY = 3;

export function newNonce(): Uint8Array {
	return crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
}

/** Proof that the sender holds `relayKey`, bound to this connection's nonce and the room. */
export function relayProof(relayKey: Uint8Array, nonce: Uint8Array, room: string): Uint8Array {
	return derive('commonplace/v1/relay-proof', concat(relayKey, nonce, utf8(room)));
}

/**
 * What an editor signs (with `signSk`) to ask a relay to stop keeping a space: bound to the
 * connection's nonce and the room, so it cannot be replayed on another connection or space.
 */
export function forgetRequest(nonce: Uint8Array, room: string): Uint8Array {
	return concat(utf8('commonplace/v1/relay-forget'), nonce, utf8(room));
}

/** Compares two proofs in time independent of where they differ. */
export function sameProof(a: Uint8Array, b: Uint8Array): boolean {
	if (a.length !== b.length) return false;
	let diff = 0;
	for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
	return diff === 0;
}

/** A SYNC frame's message: y-webrtc's sync type (0), then what `write` puts (a y-protocols message). */
export function syncMessage(write: (encoder: encoding.Encoder) => void): Uint8Array {
	const encoder = encoding.createEncoder();
	encoding.writeVarUint(encoder, 0);
	write(encoder);
	return encoding.toUint8Array(encoder);
}

/**
 * Reads a sync message (already checked by a PeerGuard) into `doc` with `origin`, as both ends
 * do; returns the answer to send back (a step 2 for a step 1), or null. Throws what Yjs throws.
 */
export function readSync(message: Uint8Array, doc: Y.Doc, origin: unknown): Uint8Array | null {
	const reply = encoding.createEncoder();
	syncProtocol.readSyncMessage(decoding.createDecoder(message.subarray(1)), reply, doc, origin);
	if (encoding.length(reply) === 0) return null;
	return syncMessage((encoder) => encoding.writeUint8Array(encoder, encoding.toUint8Array(reply)));
}
