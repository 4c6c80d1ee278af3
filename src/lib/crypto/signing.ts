// Ed25519 signatures through WebCrypto where the platform has it (~60× faster here), tweetnacl
// otherwise. Ed25519 is deterministic, so both give the same bytes (tests/unit/crypto.test.ts).
import nacl from 'tweetnacl';
import { concat, fromB64url } from './bytes';

export interface Signer {
	readonly engine: 'webcrypto' | 'tweetnacl';
	sign(message: Uint8Array): Promise<Uint8Array>;
}

export interface Verifier {
	/** 'node': Node's own crypto, which the relay uses (server/node-verifier.ts). */
	readonly engine: 'webcrypto' | 'tweetnacl' | 'node';
	verify(signature: Uint8Array, message: Uint8Array): Promise<boolean>;
}

export type Engine = 'auto' | 'webcrypto' | 'tweetnacl';

/** PKCS #8 wrapping of a raw Ed25519 seed (RFC 8410), which WebCrypto needs to import it. */
const PKCS8_PREFIX = new Uint8Array([
	0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20
]);

const subtle = (): SubtleCrypto | null => globalThis.crypto?.subtle ?? null;

// The buffer type WebCrypto's typings want (not a SharedArrayBuffer view).
const buf = (bytes: Uint8Array): Uint8Array<ArrayBuffer> => bytes as Uint8Array<ArrayBuffer>;

/** An Ed25519 seed as a WebCrypto signing key (`extractable` to read its public half). */
const importSeed = (api: SubtleCrypto, seed: Uint8Array, extractable: boolean) =>
	api.importKey('pkcs8', buf(concat(PKCS8_PREFIX, seed)), { name: 'Ed25519' }, extractable, [
		'sign'
	]);

export async function createSigner(seed: Uint8Array, engine: Engine = 'auto'): Promise<Signer> {
	const api = subtle();
	if (engine !== 'tweetnacl' && api) {
		try {
			const key = await importSeed(api, seed, false);
			return {
				engine: 'webcrypto',
				sign: async (message) => new Uint8Array(await api.sign('Ed25519', key, buf(message)))
			};
		} catch (error) {
			if (engine === 'webcrypto') throw error;
			// reason: this browser has no Ed25519 in WebCrypto; tweetnacl gives the same bytes.
		}
	}
	const secretKey = nacl.sign.keyPair.fromSeed(seed).secretKey;
	return { engine: 'tweetnacl', sign: async (message) => nacl.sign.detached(message, secretKey) };
}

/**
 * The Ed25519 public key of `seed`: WebCrypto's where it has Ed25519 (a fraction of a ms),
 * tweetnacl's otherwise (~40 ms the first time in a fresh tab, its code not yet compiled; ~6 ms
 * after). The same 32 bytes either way (tests/unit/crypto.test.ts).
 */
export async function publicKeyOf(seed: Uint8Array): Promise<Uint8Array> {
	const api = subtle();
	if (api) {
		try {
			const { x } = await api.exportKey('jwk', await importSeed(api, seed, true));
			const publicKey = x === undefined ? null : fromB64url(x);
			if (publicKey !== null && publicKey.length === 32) return publicKey;
		} catch {
			// reason: this browser has no Ed25519 in WebCrypto; tweetnacl gives the same bytes.
		}
	}
	return nacl.sign.keyPair.fromSeed(seed).publicKey;
}

/** The order of Ed25519's base point, little-endian (RFC 8032 §5.1). */
const L = Uint8Array.from([
	0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10
]);

/**
 * A 64-byte signature whose S (its second half, little-endian) is below L, as RFC 8032 §5.1.7
 * requires. tweetnacl accepts S + L too, WebCrypto does not: without this check, anyone could
 * turn a signed envelope into a second one with the same R (the same envelope id) that some
 * peers take for a copy and others for junk.
 */
export function isCanonical(signature: Uint8Array): boolean {
	if (signature.length !== 64) return false;
	for (let i = 31; i >= 0; i--) {
		const s = signature[32 + i] as number;
		const l = L[i] as number;
		if (s !== l) return s < l;
	}
	return false; // S = L
}

export async function createVerifier(
	publicKey: Uint8Array,
	engine: Engine = 'auto'
): Promise<Verifier> {
	const api = subtle();
	if (engine !== 'tweetnacl' && api) {
		try {
			const key = await api.importKey('raw', buf(publicKey), { name: 'Ed25519' }, false, [
				'verify'
			]);
			return {
				engine: 'webcrypto',
				verify: async (signature, message) => {
					if (!isCanonical(signature)) return false;
					return api.verify('Ed25519', key, buf(signature), buf(message));
				}
			};
		} catch (error) {
			if (engine === 'webcrypto') throw error;
			// reason: no Ed25519 in this WebCrypto (or a key it refuses); fall back below.
		}
	}
	return {
		engine: 'tweetnacl',
		verify: async (signature, message) =>
			isCanonical(signature) && nacl.sign.detached.verify(message, signature, publicKey)
	};
}

/**
 * A capability's signing keys, made at once: a signer for an editor (null for a viewer, who
 * cannot sign) and a verifier for anyone. What a Bridge takes.
 */
export async function signingKeys(
	cap:
		| { kind: 'edit'; signSeed: Uint8Array; signPk: Uint8Array }
		| { kind: 'view'; signPk: Uint8Array }
): Promise<{ signer: Signer | null; verifier: Verifier }> {
	const [signer, verifier] = await Promise.all([
		cap.kind === 'edit' ? createSigner(cap.signSeed) : null,
		createVerifier(cap.signPk)
	]);
	return { signer, verifier };
}
