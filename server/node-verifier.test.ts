// The relay's verifier (Node's crypto) must judge every signature exactly as the app's does
// (WebCrypto, tweetnacl): the same envelope may not verify on a relay and not in a browser.
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import { createSigner, createVerifier } from '../src/lib/crypto/signing';
import { createNodeVerifier } from './node-verifier';

/** The order of Ed25519's group, little-endian: S + L verifies in lax implementations. */
const L = [
	0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10
];

function plusL(signature: Uint8Array): Uint8Array {
	const out = signature.slice();
	let carry = 0;
	for (let i = 0; i < 32; i++) {
		const sum = (out[32 + i] as number) + (L[i] as number) + carry;
		out[32 + i] = sum & 0xff;
		carry = sum >> 8;
	}
	return out;
}

describe('node verifier', () => {
	it('agrees with the app’s verifiers on good, tampered, foreign and malleable signatures', async () => {
		const seed = new Uint8Array(32).fill(7);
		const signer = await createSigner(seed);
		const publicKey = nacl.sign.keyPair.fromSeed(seed).publicKey;
		const other = nacl.sign.keyPair.fromSeed(new Uint8Array(32).fill(8)).publicKey;
		const judges = [
			await createNodeVerifier(publicKey),
			await createVerifier(publicKey, 'webcrypto'),
			await createVerifier(publicKey, 'tweetnacl')
		];
		const foreign = [await createNodeVerifier(other), await createVerifier(other)];
		for (let n = 0; n < 20; n++) {
			const message = nacl.randomBytes(1 + n * 37);
			const signature = await signer.sign(message);
			const tampered = message.slice();
			tampered[n % tampered.length] ^= 1;
			const cases: Array<[Uint8Array, Uint8Array, boolean]> = [
				[signature, message, true],
				[signature, tampered, false],
				[plusL(signature), message, false],
				[signature.subarray(0, 63), message, false],
				[new Uint8Array(64), message, false]
			];
			for (const [sig, msg, expected] of cases) {
				for (const judge of judges) expect(await judge.verify(sig, msg)).toBe(expected);
			}
			for (const judge of foreign) expect(await judge.verify(signature, message)).toBe(false);
		}
		await expect(createNodeVerifier(new Uint8Array(31))).rejects.toThrow(/32 bytes/);
	});
});
