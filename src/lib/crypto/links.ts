// Links (DESIGN.md §2): `#w1.` edit, `#r1.` view, `#b1.` relay, `#p1.` password-protected, each
// optionally followed by relay hints (`~` + b64url of a relay's address, at most four) so that a
// newcomer finds the space on a relay when nobody who has it is online. Parsing never throws;
// every failure is a message a person can act on; a hint that cannot be read is left out.
import nacl from 'tweetnacl';
import * as secretbox from './secretbox';
import { concat, fromB64url, toB64url, utf8 } from './bytes';
import { fromBytes, toBytes, type Capability } from './capability';
import * as strength from './password-strength';

export const PBKDF2_ITERATIONS = 600_000;
const LETTER = { edit: 'w', view: 'r', relay: 'b' } as const;
const KIND: Record<string, Capability['kind'] | undefined> = { w: 'edit', r: 'view', b: 'relay' };
const SALT = 16;
const NONCE = 24;

export type Parsed =
	| { ok: true; cap: Capability; relays: string[] }
	| { ok: false; error: string }
	| { ok: 'password'; payload: Uint8Array };

const BROKEN =
	'This link is not a Commonplace link (it is cut off or changed). Ask for the link again.';
const NEWER =
	'This link was made by a newer version of Commonplace. Reload the app to update it, then open the link again.';

/** Relay hints a link carries at most, and the longest address one may name. */
export const MAX_HINTS = 4;
const MAX_HINT_CHARS = 512;

export function format(cap: Capability, relays: readonly string[] = []): string {
	const hints = relays
		.filter((url) => url.length <= MAX_HINT_CHARS)
		.slice(0, MAX_HINTS)
		.map((url) => `~${toB64url(utf8(url))}`)
		.join('');
	return `${LETTER[cap.kind]}1.${toB64url(toBytes(cap))}${hints}`;
}

/**
 * The relay addresses in a link's hints, as text (what they name is checked where they are
 * used); unreadable ones are left out.
 */
function readHints(hints: string[]): string[] {
	const out: string[] = [];
	for (const hint of hints.slice(0, MAX_HINTS)) {
		const bytes = /^[A-Za-z0-9_-]+$/.test(hint) ? fromB64url(hint) : null;
		if (bytes === null || bytes.length > MAX_HINT_CHARS) continue;
		try {
			const url = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
			if (!out.includes(url)) out.push(url);
		} catch {
			// reason: not UTF-8, so not an address; the link itself still opens.
		}
	}
	return out;
}

/** Parses a fragment, with or without its leading '#'. */
export function parse(fragment: string): Parsed {
	const whole = fragment.startsWith('#') ? fragment.slice(1) : fragment;
	const [text = '', ...hints] = whole.trim().split('~');
	const relays = readHints(hints);
	const match = /^([a-z])(\d+)\.([A-Za-z0-9_-]+)$/.exec(text);
	if (!match) return { ok: false, error: BROKEN };
	const [, letter, version, data] = match as unknown as [string, string, string, string];
	if (!'wrbp'.includes(letter)) return { ok: false, error: BROKEN };
	if (version !== '1') return { ok: false, error: Number(version) > 1 ? NEWER : BROKEN };
	const bytes = fromB64url(data);
	if (bytes === null) return { ok: false, error: BROKEN };
	try {
		const kind = KIND[letter];
		const cap = kind ? fromBytes(kind, bytes) : null;
		if (cap) return { ok: true, cap, relays };
		if (letter === 'p' && bytes.length > SALT + NONCE + secretbox.OVERHEAD)
			return { ok: 'password', payload: bytes };
	} catch (error) {
		// reason: a key of the right length that the curve code still refuses; same message.
		console.warn('Rejected a link', error);
	}
	return { ok: false, error: BROKEN };
}

async function passwordKey(password: string, salt: Uint8Array): Promise<Uint8Array> {
	const subtle = globalThis.crypto.subtle;
	const material = await subtle.importKey(
		'raw',
		utf8(password) as Uint8Array<ArrayBuffer>,
		'PBKDF2',
		false,
		['deriveBits']
	);
	const bits = await subtle.deriveBits(
		{
			name: 'PBKDF2',
			hash: 'SHA-256',
			salt: salt as Uint8Array<ArrayBuffer>,
			iterations: PBKDF2_ITERATIONS
		},
		material,
		256
	);
	return new Uint8Array(bits);
}

/** A password too weak for a link anyone can attack offline; `reason` says why (for the UI). */
export class PasswordRefused extends Error {
	constructor(readonly reason: strength.Weakness) {
		super(`password refused: ${reason}`);
		this.name = 'PasswordRefused';
	}
}

/**
 * Wraps a fragment (`w1.…` or `r1.…`, without '#') under a password: `p1.…`. Throws
 * PasswordRefused for a password password-strength.ts finds too weak (opening is unchanged, so
 * links protected before still open).
 */
export async function protect(
	inner: string,
	password: string,
	salt: Uint8Array = nacl.randomBytes(SALT),
	nonce: Uint8Array = nacl.randomBytes(NONCE)
): Promise<string> {
	const verdict = await strength.check(password);
	if (!verdict.ok) throw new PasswordRefused(verdict.reason);
	const inside = parse(inner);
	if (inside.ok !== true) throw new Error('Only an edit or view link can be protected.');
	const key = await passwordKey(password, salt);
	return `p1.${toB64url(concat(salt, nonce, secretbox.seal(utf8(inner), nonce, key)))}`;
}

/** Opens a `p1` payload with a password. */
export async function unprotect(
	payload: Uint8Array,
	password: string
): Promise<{ ok: true; cap: Capability; relays: string[] } | { ok: false; error: string }> {
	const salt = payload.subarray(0, SALT);
	const nonce = payload.subarray(SALT, SALT + NONCE);
	const key = await passwordKey(password, salt);
	const inner = secretbox.open(payload.subarray(SALT + NONCE), nonce, key);
	if (inner === null) return { ok: false, error: 'That password is not right. Try again.' };
	const parsed = parse(new TextDecoder().decode(inner));
	if (parsed.ok === true) return parsed;
	return { ok: false, error: BROKEN };
}
