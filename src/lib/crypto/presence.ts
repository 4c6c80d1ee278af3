// Presence (awareness) states, sealed (DESIGN.md §4): every field a peer shows others — name,
// colour, page, caret — travels as `b64url(nonce24 ‖ secretbox(readKey, nonce, utf8(json)))`,
// so a blind relay or a signaling server sees none of it. Not signed: viewers have presence
// too and cannot sign; anyone who can read the space could also claim a name in it.
import nacl from 'tweetnacl';
import * as secretbox from './secretbox';
import { concat, fromB64url, toB64url, toHex, utf8 } from './bytes';

const NONCE = 24;
/** A presence state is a name, a colour, a page and a caret: a few hundred bytes. */
export const MAX_PRESENCE_BYTES = 4096;
const decoder = new TextDecoder('utf-8', { fatal: true });

export function sealPresence(
	readKey: Uint8Array,
	state: unknown,
	nonce: Uint8Array = nacl.randomBytes(NONCE)
): string {
	return toB64url(concat(nonce, secretbox.seal(utf8(JSON.stringify(state)), nonce, readKey)));
}

/** The opened state, or null for anything that does not open under `readKey` as JSON. */
export function openPresence(readKey: Uint8Array, sealed: unknown): unknown {
	if (typeof sealed !== 'string' || sealed.length > (MAX_PRESENCE_BYTES * 4) / 3 + 64) return null;
	const bytes = fromB64url(sealed);
	if (bytes === null || bytes.length < NONCE + secretbox.OVERHEAD) return null;
	const plain = secretbox.open(bytes.subarray(NONCE), bytes.subarray(0, NONCE), readKey);
	if (plain === null) return null;
	try {
		return JSON.parse(decoder.decode(plain)) as unknown;
	} catch {
		// reason: it opened under the key but is not JSON: treated like any unreadable state.
		return null;
	}
}

/** Awareness client ids are Yjs client ids: unsigned 32-bit integers. */
export const MAX_CLIENT_ID = 0xffff_ffff;

/**
 * This browser's tag for one awareness client id in one space: the first 8 bytes of
 * SHA-512(utf8("commonplace/v1/device") ‖ deviceSecret ‖ utf8(spaceId) ‖ u32be(clientId)), in
 * hex. Another tab of this browser recomputes it for the client id a state arrived under and so
 * recognises "you, in another tab"; a tag copied into a state under any other client id does not
 * match. Tags of one browser in two spaces, or of two tabs, cannot be linked without the secret.
 */
export function deviceTag(deviceSecret: Uint8Array, spaceId: string, clientId: number): string {
	if (!Number.isInteger(clientId) || clientId < 0 || clientId > MAX_CLIENT_ID) {
		throw new RangeError('A client id is an unsigned 32-bit integer');
	}
	const id = new Uint8Array(4);
	new DataView(id.buffer).setUint32(0, clientId);
	const digest = nacl.hash(concat(utf8('commonplace/v1/device'), deviceSecret, utf8(spaceId), id));
	return toHex(digest.subarray(0, 8));
}
