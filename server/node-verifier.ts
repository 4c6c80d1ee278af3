// Ed25519 verification for the relay through Node's own crypto (OpenSSL), one call per
// signature, run on libuv's thread pool. WebCrypto in Node does the same work with more on
// the main thread around it: the relay's largest cost per update (bench/load/run.js). The
// canonical-S rule is the app's own check (crypto/signing.ts), made before OpenSSL's.
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { isCanonical, type Verifier } from '../src/lib/crypto/signing';

/** DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410): the raw 32 bytes follow. */
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export async function createNodeVerifier(publicKey: Uint8Array): Promise<Verifier> {
	if (publicKey.length !== 32) throw new Error('An Ed25519 public key is 32 bytes.');
	const key: KeyObject = createPublicKey({
		key: Buffer.concat([SPKI_PREFIX, publicKey]),
		format: 'der',
		type: 'spki'
	});
	return {
		engine: 'node',
		verify: (signature, message) =>
			new Promise((resolve) => {
				if (!isCanonical(signature)) return resolve(false);
				verify(null, message, key, signature, (error, valid) => resolve(error === null && valid));
			})
	};
}
