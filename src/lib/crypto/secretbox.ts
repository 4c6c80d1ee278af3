// NaCl's secretbox (XSalsa20-Poly1305: a 16-byte tag, then the ciphertext), the one cipher of
// envelopes, presence, password links and the keyring's metadata. @noble/ciphers does it ~15×
// faster than tweetnacl (a 1 MB snapshot opened in ~7 ms instead of ~100 ms) with the same bytes.
import { secretbox } from '@noble/ciphers/salsa.js';

/** Bytes a box adds to what it seals (Poly1305's tag). */
export const OVERHEAD = 16;

export function seal(plain: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array {
	return secretbox(key, nonce).seal(plain);
}

/** What `box` seals, or null when it was not sealed with this key and nonce (or is damaged). */
export function open(box: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array | null {
	if (box.length < OVERHEAD) return null;
	try {
		return secretbox(key, nonce).open(box);
	} catch {
		// reason: a tag that does not match is the answer "not this key", not a failure.
		return null;
	}
}
