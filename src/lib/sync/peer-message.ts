// Checks a y-webrtc message from a peer before y-webrtc reads it. y-webrtc parses peer messages
// inside simple-peer's 'data' handler and would throw there on junk (a truncated varint, bad
// JSON in an awareness state, a broken Yjs update); a peer is anyone holding the relay key, so
// its bytes are untrusted. This reads every message the way y-webrtc will and says whether it
// is well formed. It does not judge content: envelopes are verified later by the bridge.
import * as decoding from 'lib0/decoding';
import * as Y from 'yjs';

// y-webrtc message types, and the y-protocols sync sub-types.
const SYNC = 0;
const AWARENESS = 1;
const QUERY_AWARENESS = 3;
const BC_PEER_ID = 4;
const STEP1 = 0;
const STEP2 = 1;
const UPDATE = 2;

export type PeerMessageCheck = { ok: true } | { ok: false; reason: string };

export function checkPeerMessage(message: Uint8Array): PeerMessageCheck {
	try {
		const decoder = decoding.createDecoder(message);
		const type = decoding.readVarUint(decoder);
		switch (type) {
			case SYNC: {
				const sub = decoding.readVarUint(decoder);
				const payload = decoding.readVarUint8Array(decoder);
				if (sub === STEP1) Y.decodeStateVector(payload);
				else if (sub === STEP2 || sub === UPDATE) Y.decodeUpdate(payload);
				else return { ok: false, reason: 'unknown sync message' };
				return { ok: true };
			}
			case AWARENESS: {
				checkAwarenessUpdate(decoding.readVarUint8Array(decoder));
				return { ok: true };
			}
			case QUERY_AWARENESS:
				return { ok: true };
			case BC_PEER_ID:
				decoding.readUint8(decoder);
				decoding.readVarString(decoder);
				return { ok: true };
			default:
				return { ok: false, reason: 'unknown message type' };
		}
	} catch {
		// reason: a decoding error is exactly the answer: the message is malformed.
		return { ok: false, reason: 'malformed message' };
	}
}

/** More people than this in one update is a flood, not a meeting. */
const MAX_AWARENESS_STATES = 1_000;
/** A sealed presence state is a few hundred characters; this leaves room and no more. */
const MAX_AWARENESS_STATE_CHARS = 8 * 1024;

/**
 * Throws unless `update` reads as y-protocols awareness states (JSON objects or null), of a
 * sane number and size: every state is kept by y-webrtc and opened by the presence mirror.
 */
export function checkAwarenessUpdate(update: Uint8Array) {
	const decoder = decoding.createDecoder(update);
	const count = decoding.readVarUint(decoder);
	if (count > MAX_AWARENESS_STATES) throw new Error('Too many awareness states');
	for (let i = 0; i < count; i++) {
		decoding.readVarUint(decoder);
		decoding.readVarUint(decoder);
		const text = decoding.readVarString(decoder);
		if (text.length > MAX_AWARENESS_STATE_CHARS) throw new Error('An awareness state too large');
		const state: unknown = JSON.parse(text);
		if (state !== null && (typeof state !== 'object' || Array.isArray(state))) {
			throw new Error('An awareness state must be an object or null');
		}
	}
}
