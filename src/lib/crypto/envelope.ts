// Envelopes (DESIGN.md §3): what rests on disk and crosses the wire.
//   0x01 ‖ sig(64) ‖ nonce(24) ‖ secretbox(readKey, nonce, kind(1) ‖ body)
//   sig = Ed25519(signSk, utf8("commonplace/v1/envelope") ‖ topicBytes ‖ nonce ‖ ciphertext)
// The signature covers the ciphertext, so anyone with signPk (a viewer, a blind relay) can
// reject forgeries without decrypting. Every failure is a reason, never an exception.
import nacl from 'tweetnacl';
import { concat, utf8 } from './bytes';
import type { Capability, EditCapability, ViewCapability } from './capability';
import type { Signer, Verifier } from './signing';

export const VERSION = 0x01;
export const KIND_UPDATE = 1;
export const KIND_SNAPSHOT = 2;
export type Kind = typeof KIND_UPDATE | typeof KIND_SNAPSHOT;

const SIG = 64;
const NONCE = 24;
const HEADER = 1 + SIG + NONCE;
const MAC = nacl.secretbox.overheadLength;
/** Largest envelope accepted: a big space's snapshot fits, a memory bomb does not. */
export const MAX_ENVELOPE_BYTES = 64 * 1024 * 1024;
const CONTEXT = utf8('commonplace/v1/envelope');

export type Rejection =
	'not-bytes' | 'too-short' | 'version' | 'oversize' | 'signature' | 'decrypt' | 'kind';

export type Opened = { ok: true; kind: Kind; body: Uint8Array } | { ok: false; reason: Rejection };

export type Checked = { ok: true } | { ok: false; reason: Rejection };

interface Parts {
	signature: Uint8Array;
	nonce: Uint8Array;
	ciphertext: Uint8Array;
}

function signedMessage(topicBytes: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array) {
	return concat(CONTEXT, topicBytes, nonce, ciphertext);
}

export async function seal(
	cap: EditCapability,
	signer: Signer,
	kind: Kind,
	body: Uint8Array,
	nonce: Uint8Array = nacl.randomBytes(NONCE)
): Promise<Uint8Array> {
	const ciphertext = nacl.secretbox(concat(new Uint8Array([kind]), body), nonce, cap.readKey);
	const signature = await signer.sign(signedMessage(cap.topicBytes, nonce, ciphertext));
	const envelope = concat(new Uint8Array([VERSION]), signature, nonce, ciphertext);
	if (envelope.length > MAX_ENVELOPE_BYTES) throw new Error('This change is too large to save.');
	return envelope;
}

/**
 * The same envelope, signed synchronously with tweetnacl (Ed25519 is deterministic, so the
 * bytes match `seal`). For the moment a tab closes, when there is no time to await WebCrypto.
 */
export function sealSync(
	cap: EditCapability,
	kind: Kind,
	body: Uint8Array,
	nonce: Uint8Array = nacl.randomBytes(NONCE)
): Uint8Array {
	const ciphertext = nacl.secretbox(concat(new Uint8Array([kind]), body), nonce, cap.readKey);
	const signature = nacl.sign.detached(
		signedMessage(cap.topicBytes, nonce, ciphertext),
		cap.signSk
	);
	return concat(new Uint8Array([VERSION]), signature, nonce, ciphertext);
}

function split(envelope: unknown): Parts | Rejection {
	if (!(envelope instanceof Uint8Array)) return 'not-bytes';
	if (envelope.length < HEADER + MAC + 1) return 'too-short';
	if (envelope[0] !== VERSION) return 'version';
	if (envelope.length > MAX_ENVELOPE_BYTES) return 'oversize';
	return {
		signature: envelope.subarray(1, 1 + SIG),
		nonce: envelope.subarray(1 + SIG, HEADER),
		ciphertext: envelope.subarray(HEADER)
	};
}

/** Checks the signature only: what a viewer or a blind relay can do. */
export async function verify(
	cap: Pick<Capability, 'topicBytes'>,
	verifier: Verifier,
	envelope: unknown
): Promise<Checked> {
	const parts = split(envelope);
	if (typeof parts === 'string') return { ok: false, reason: parts };
	const good = await verifier
		.verify(parts.signature, signedMessage(cap.topicBytes, parts.nonce, parts.ciphertext))
		.catch(() => false);
	return good ? { ok: true } : { ok: false, reason: 'signature' };
}

/** Verifies, then decrypts. */
export async function open(
	cap: EditCapability | ViewCapability,
	verifier: Verifier,
	envelope: unknown
): Promise<Opened> {
	const checked = await verify(cap, verifier, envelope);
	if (!checked.ok) return checked;
	const { nonce, ciphertext } = split(envelope) as Parts;
	const plain = nacl.secretbox.open(ciphertext, nonce, cap.readKey);
	if (plain === null) return { ok: false, reason: 'decrypt' };
	const kind = plain[0];
	if (kind !== KIND_UPDATE && kind !== KIND_SNAPSHOT) return { ok: false, reason: 'kind' };
	return { ok: true, kind, body: plain.subarray(1) };
}

/** A stable identity for an envelope (its signature), for bookkeeping without hashing. */
export function idOf(envelope: Uint8Array): string {
	let out = '';
	for (let i = 1; i < 1 + 16 && i < envelope.length; i++)
		out += String.fromCharCode(envelope[i] as number);
	return out;
}
