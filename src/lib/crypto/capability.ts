// Capabilities (DESIGN.md §2): everything derives from one 32-byte secret. Edit ⊃ view ⊃ relay;
// each lower capability is derivable from a higher one, never the other way. A space is found
// by its `room` (which binds the signing key); its envelopes are signed over its `topic`.
import nacl from 'tweetnacl';
import { concat, toHex, utf8 } from './bytes';
import { publicKeyOf } from './signing';

export type Topic = string & { readonly __brand: 'Topic' };
/** Hex of the first 16 bytes of H("commonplace/v1/room", relayKey ‖ signPk). */
export type Room = string & { readonly __brand: 'Room' };

export interface RelayCapability {
	kind: 'relay';
	relayKey: Uint8Array;
	signPk: Uint8Array;
	/** Hex of `topicBytes`. The signature domain: every envelope's signature covers it. */
	topic: Topic;
	topicBytes: Uint8Array;
	/**
	 * The space's address: signaling room, relay storage key, local database name, `?id=`. It
	 * binds `signPk`, so a link whose `signPk` was swapped leads to another, empty room.
	 */
	room: Room;
}

export interface ViewCapability extends Omit<RelayCapability, 'kind'> {
	kind: 'view';
	readKey: Uint8Array;
}

export interface EditCapability extends Omit<ViewCapability, 'kind'> {
	kind: 'edit';
	secret: Uint8Array;
	/** The Ed25519 seed; `signSk` is tweetnacl's 64-byte form (seed ‖ public key). */
	signSeed: Uint8Array;
	signSk: Uint8Array;
}

export type Capability = EditCapability | ViewCapability | RelayCapability;

export const KEY_BYTES = 32;

/** `H(label, bytes)`: the first 32 bytes of SHA-512(utf8(label) ‖ bytes). */
export function derive(label: string, bytes: Uint8Array): Uint8Array {
	return nacl.hash(concat(utf8(label), bytes)).slice(0, 32);
}

export function newSecret(): Uint8Array {
	return nacl.randomBytes(KEY_BYTES);
}

export function fromSecret(secret: Uint8Array): EditCapability {
	assertLength(secret, 'secret');
	const signSeed = derive('commonplace/v1/sign', secret);
	return withSigningKey(secret, signSeed, nacl.sign.keyPair.fromSeed(signSeed).publicKey);
}

/**
 * `fromSecret`, with the public key worked out by WebCrypto where it can (signing.ts
 * `publicKeyOf`): what opening a space uses, since tweetnacl's takes ~40 ms in a fresh tab.
 */
export async function fromSecretAsync(secret: Uint8Array): Promise<EditCapability> {
	assertLength(secret, 'secret');
	const signSeed = derive('commonplace/v1/sign', secret);
	return withSigningKey(secret, signSeed, await publicKeyOf(signSeed));
}

function withSigningKey(
	secret: Uint8Array,
	signSeed: Uint8Array,
	signPk: Uint8Array
): EditCapability {
	const readKey = derive('commonplace/v1/read', secret);
	return {
		...fromRead(readKey, signPk),
		kind: 'edit',
		secret: secret.slice(),
		signSeed,
		// tweetnacl's 64-byte secret key is the seed followed by the public key.
		signSk: concat(signSeed, signPk)
	};
}

export function fromRead(readKey: Uint8Array, signPk: Uint8Array): ViewCapability {
	assertLength(readKey, 'readKey');
	return {
		...fromRelay(derive('commonplace/v1/relay', readKey), signPk),
		kind: 'view',
		readKey: readKey.slice()
	};
}

export function fromRelay(relayKey: Uint8Array, signPk: Uint8Array): RelayCapability {
	assertLength(relayKey, 'relayKey');
	assertLength(signPk, 'signPk');
	const topicBytes = derive('commonplace/v1/topic', relayKey).slice(0, 16);
	return {
		kind: 'relay',
		relayKey: relayKey.slice(),
		signPk: signPk.slice(),
		topic: toHex(topicBytes) as Topic,
		topicBytes,
		room: toHex(derive('commonplace/v1/room', concat(relayKey, signPk)).slice(0, 16)) as Room
	};
}

/**
 * A capability as bytes: `secret` (edit, 32) or `readKey ‖ signPk` / `relayKey ‖ signPk`
 * (view, relay, 64). The one place that knows this layout; links and the keyring both use it.
 */
export function toBytes(cap: Capability): Uint8Array {
	if (cap.kind === 'edit') return cap.secret.slice();
	return concat(cap.kind === 'view' ? cap.readKey : cap.relayKey, cap.signPk);
}

/** The inverse of `toBytes`; null when the length does not fit the kind. */
export function fromBytes(kind: Capability['kind'], bytes: Uint8Array): Capability | null {
	if (bytes.length !== (kind === 'edit' ? KEY_BYTES : 2 * KEY_BYTES)) return null;
	if (kind === 'edit') return fromSecret(bytes);
	const key = bytes.slice(0, KEY_BYTES);
	const signPk = bytes.slice(KEY_BYTES);
	return kind === 'view' ? fromRead(key, signPk) : fromRelay(key, signPk);
}

/** `fromBytes`, an edit capability's public key from WebCrypto where it can (`fromSecretAsync`). */
export async function fromBytesAsync(
	kind: Capability['kind'],
	bytes: Uint8Array
): Promise<Capability | null> {
	return kind === 'edit' && bytes.length === KEY_BYTES
		? fromSecretAsync(bytes)
		: fromBytes(kind, bytes);
}

/** The view capability inside a higher one. */
export function toView(cap: EditCapability | ViewCapability): ViewCapability {
	return fromRead(cap.readKey, cap.signPk);
}

export function toRelay(cap: Capability): RelayCapability {
	return fromRelay(cap.relayKey, cap.signPk);
}

export const canRead = (cap: Capability): cap is EditCapability | ViewCapability =>
	cap.kind !== 'relay';
export const canWrite = (cap: Capability): cap is EditCapability => cap.kind === 'edit';

/** Ranks capabilities so a stronger one replaces a weaker one for the same space. */
export const strength = (cap: Capability): number =>
	cap.kind === 'edit' ? 3 : cap.kind === 'view' ? 2 : 1;

function assertLength(bytes: Uint8Array, name: string): void {
	if (!(bytes instanceof Uint8Array) || bytes.length !== KEY_BYTES) {
		throw new Error(`${name} must be ${KEY_BYTES} bytes`);
	}
}
