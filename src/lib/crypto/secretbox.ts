// NaCl's secretbox (XSalsa20-Poly1305: a 16-byte tag, then the ciphertext), the one cipher of
// envelopes, presence, password links and the keyring's metadata, in one place. tweetnacl does
// it; @noble/ciphers was tried and was no faster here (a 1.2 MB box: ~18 ms warm in Node either
// way, noble ~45 ms on its first call), so it is not a dependency.
import nacl from 'tweetnacl';

/** Bytes a box adds to what it seals (Poly1305's tag). */
export const OVERHEAD = nacl.secretbox.overheadLength;

export function seal(plain: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array {
	return nacl.secretbox(plain, nonce, key);
}

/** What `box` seals, or null when it was not sealed with this key and nonce (or is damaged). */
export function open(box: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array | null {
	if (box.length < OVERHEAD || nonce.length !== 24 || key.length !== 32) return null;
	return nacl.secretbox.open(box, nonce, key);
}
