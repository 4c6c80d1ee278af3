// Envelopes (DESIGN.md §3): what rests on disk and crosses the wire. Version 2, sealed now:
//   0x02 ‖ sig(64) ‖ kind(1) ‖ u32be(n) ‖ covers(n) ‖ nonce(24) ‖ secretbox(readKey, nonce, body)
//   sig = Ed25519(signSk, utf8("commonplace/v2/envelope") ‖ topicBytes ‖ envelope[65..])
// The kind and, for a snapshot, the log state vector it replaces (`covers`) are in the clear and
// signed, so anyone with signPk (a viewer, a blind relay) can check which deletions a snapshot
// sanctions without decrypting. Version 1 (kind inside the secretbox, no covers) stays readable.
// Every failure is a reason, never an exception.
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import nacl from 'tweetnacl';
import * as secretbox from './secretbox';
import { concat, utf8 } from './bytes';
import type { Capability, EditCapability, ViewCapability } from './capability';
import type { Signer, Verifier } from './signing';

export const VERSION = 0x02;
export const VERSION_1 = 0x01;
export const KIND_UPDATE = 1;
export const KIND_SNAPSHOT = 2;
export type Kind = typeof KIND_UPDATE | typeof KIND_SNAPSHOT;

/** A Yjs state vector: client id → the next clock not covered. */
export type StateVector = Map<number, number>;

const SIG = 64;
const NONCE = 24;
const MAC = secretbox.OVERHEAD;
/** v1: version ‖ sig ‖ nonce, then the secretbox of kind ‖ body. */
const V1_HEADER = 1 + SIG + NONCE;
/** v2: version ‖ sig ‖ kind ‖ u32 covers length; then covers, nonce, secretbox of body. */
const V2_FIXED = 1 + SIG + 1 + 4;
/** Largest envelope accepted: a big space's snapshot fits, a memory bomb does not. */
export const MAX_ENVELOPE_BYTES = 64 * 1024 * 1024;
/** Largest `covers`: a state vector of ~100,000 writers. */
export const MAX_COVERS_BYTES = 1024 * 1024;
const CONTEXT_V1 = utf8('commonplace/v1/envelope');
const CONTEXT_V2 = utf8('commonplace/v2/envelope');

export type Rejection =
	'not-bytes' | 'too-short' | 'version' | 'oversize' | 'header' | 'signature' | 'decrypt' | 'kind';

/** What anyone can read of an envelope without a key (checked only once verified). */
export interface Header {
	version: typeof VERSION | typeof VERSION_1;
	/** Null for version 1, whose kind is inside the secretbox. */
	kind: Kind | null;
	/** For a version 2 snapshot: the log doc state vector whose entries it replaces. */
	covers: StateVector | null;
}

export type Inspected = { ok: true; header: Header } | { ok: false; reason: Rejection };
export type Checked = { ok: true; header: Header } | { ok: false; reason: Rejection };
export type Opened =
	{ ok: true; kind: Kind; body: Uint8Array; header: Header } | { ok: false; reason: Rejection };

interface Parts {
	header: Header;
	signature: Uint8Array;
	/** The bytes the signature covers, after the context and topic. */
	signed: Uint8Array;
	nonce: Uint8Array;
	ciphertext: Uint8Array;
}

/** Encodes a state vector the way Yjs does (`Y.encodeStateVector`). */
export function encodeStateVector(vector: StateVector): Uint8Array {
	const encoder = encoding.createEncoder();
	encoding.writeVarUint(encoder, vector.size);
	for (const [client, clock] of [...vector.entries()].sort((a, b) => b[0] - a[0])) {
		encoding.writeVarUint(encoder, client);
		encoding.writeVarUint(encoder, clock);
	}
	return encoding.toUint8Array(encoder);
}

/** Strict decoding: exactly the bytes given, no repeated client, Yjs's ranges. */
export function decodeStateVector(bytes: Uint8Array): StateVector | null {
	try {
		const decoder = decoding.createDecoder(bytes);
		const count = decoding.readVarUint(decoder);
		// Each pair takes at least two bytes: a count beyond that is a lie, not a big vector.
		if (count > bytes.length / 2) return null;
		const vector: StateVector = new Map();
		for (let i = 0; i < count; i++) {
			const client = decoding.readVarUint(decoder);
			const clock = decoding.readVarUint(decoder);
			if (client > 0xffffffff || vector.has(client)) return null;
			vector.set(client, clock);
		}
		return decoding.hasContent(decoder) ? null : vector;
	} catch {
		// reason: a truncated or overlong varint is exactly a malformed vector.
		return null;
	}
}

export interface SealOptions {
	/** For a snapshot: the state vector of the log entries it replaces. */
	covers?: StateVector;
	nonce?: Uint8Array;
}

function layout(cap: EditCapability, kind: Kind, body: Uint8Array, options: SealOptions) {
	const nonce = options.nonce ?? nacl.randomBytes(NONCE);
	const covers =
		kind === KIND_SNAPSHOT ? encodeStateVector(options.covers ?? new Map()) : new Uint8Array(0);
	const length = new Uint8Array(4);
	new DataView(length.buffer).setUint32(0, covers.length);
	const rest = concat(
		new Uint8Array([kind]),
		length,
		covers,
		nonce,
		secretbox.seal(body, nonce, cap.readKey)
	);
	return { rest, message: concat(CONTEXT_V2, cap.topicBytes, rest) };
}

function finish(signature: Uint8Array, rest: Uint8Array): Uint8Array {
	const sealed = concat(new Uint8Array([VERSION]), signature, rest);
	if (sealed.length > MAX_ENVELOPE_BYTES) throw new RangeError('envelope-too-large');
	return sealed;
}

/** Seals a body; throws a RangeError('envelope-too-large') past the size cap. */
export async function seal(
	cap: EditCapability,
	signer: Signer,
	kind: Kind,
	body: Uint8Array,
	options: SealOptions = {}
): Promise<Uint8Array> {
	const { rest, message } = layout(cap, kind, body, options);
	return finish(await signer.sign(message), rest);
}

/**
 * The same envelope, signed synchronously with tweetnacl (Ed25519 is deterministic, so the
 * bytes match `seal`). For the moment a tab closes, when there is no time to await WebCrypto.
 */
export function sealSync(
	cap: EditCapability,
	kind: Kind,
	body: Uint8Array,
	options: SealOptions = {}
): Uint8Array {
	const { rest, message } = layout(cap, kind, body, options);
	return finish(nacl.sign.detached(message, cap.signSk), rest);
}

function split(envelope: unknown): Parts | Rejection {
	if (!(envelope instanceof Uint8Array)) return 'not-bytes';
	if (envelope.length > MAX_ENVELOPE_BYTES) return 'oversize';
	const version = envelope[0];
	if (version === VERSION_1) {
		if (envelope.length < V1_HEADER + MAC + 1) return 'too-short';
		return {
			header: { version, kind: null, covers: null },
			signature: envelope.subarray(1, 1 + SIG),
			signed: envelope.subarray(1 + SIG),
			nonce: envelope.subarray(1 + SIG, V1_HEADER),
			ciphertext: envelope.subarray(V1_HEADER)
		};
	}
	if (version !== VERSION) return envelope.length === 0 ? 'too-short' : 'version';
	if (envelope.length < V2_FIXED + NONCE + MAC) return 'too-short';
	const kind = envelope[1 + SIG];
	if (kind !== KIND_UPDATE && kind !== KIND_SNAPSHOT) return 'kind';
	const coversLength = new DataView(
		envelope.buffer,
		envelope.byteOffset + 1 + SIG + 1,
		4
	).getUint32(0);
	const nonceAt = V2_FIXED + coversLength;
	if (coversLength > MAX_COVERS_BYTES) return 'header';
	if (envelope.length < nonceAt + NONCE + MAC) return 'too-short';
	let covers: StateVector | null = null;
	if (kind === KIND_SNAPSHOT) {
		covers = decodeStateVector(envelope.subarray(V2_FIXED, nonceAt));
		if (covers === null) return 'header';
	} else if (coversLength !== 0) return 'header';
	return {
		header: { version, kind, covers },
		signature: envelope.subarray(1, 1 + SIG),
		signed: envelope.subarray(1 + SIG),
		nonce: envelope.subarray(nonceAt, nonceAt + NONCE),
		ciphertext: envelope.subarray(nonceAt + NONCE)
	};
}

/** Reads the clear header without checking anything else; trust it only once verified. */
export function inspect(envelope: unknown): Inspected {
	const parts = split(envelope);
	return typeof parts === 'string'
		? { ok: false, reason: parts }
		: { ok: true, header: parts.header };
}

/** Checks the signature only: what a viewer or a blind relay can do. */
export async function verify(
	cap: Pick<Capability, 'topicBytes'>,
	verifier: Verifier,
	envelope: unknown
): Promise<Checked> {
	const parts = split(envelope);
	if (typeof parts === 'string') return { ok: false, reason: parts };
	const context = parts.header.version === VERSION ? CONTEXT_V2 : CONTEXT_V1;
	const good = await verifier
		.verify(parts.signature, concat(context, cap.topicBytes, parts.signed))
		.catch(() => false);
	return good ? { ok: true, header: parts.header } : { ok: false, reason: 'signature' };
}

/** Verifies, then decrypts. */
export async function open(
	cap: EditCapability | ViewCapability,
	verifier: Verifier,
	envelope: unknown
): Promise<Opened> {
	const checked = await verify(cap, verifier, envelope);
	if (!checked.ok) return checked;
	return decrypt(cap, envelope as Uint8Array, checked.header);
}

/** Decrypts an envelope whose signature was already checked (`verify`). */
export function decrypt(
	cap: EditCapability | ViewCapability,
	envelope: Uint8Array,
	header: Header
): Opened {
	const parts = split(envelope);
	if (typeof parts === 'string') return { ok: false, reason: parts };
	const plain = secretbox.open(parts.ciphertext, parts.nonce, cap.readKey);
	if (plain === null) return { ok: false, reason: 'decrypt' };
	if (header.version === VERSION)
		return { ok: true, kind: header.kind as Kind, body: plain, header };
	const kind = plain[0];
	if (kind !== KIND_UPDATE && kind !== KIND_SNAPSHOT) return { ok: false, reason: 'kind' };
	return { ok: true, kind, body: plain.subarray(1), header };
}

/**
 * A stable identity for an envelope: the first 16 bytes of its signature, as a string. Two
 * copies of one envelope share it; a forgery cannot borrow it and still verify.
 */
export function idOf(envelope: Uint8Array): string {
	let out = '';
	for (let i = 1; i < 1 + 16 && i < envelope.length; i++)
		out += String.fromCharCode(envelope[i] as number);
	return out;
}
