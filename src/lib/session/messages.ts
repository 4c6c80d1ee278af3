// The sentences people read, made in one place (the session is the UI's one door down). The rooms below the UI hand up reason codes
// (`StoreError.reason`, a password's `Weakness`) or errors whose message is already written for
// people (the session's); this module turns either into what happened and what to do.
// Only types are imported from below, so this file pulls no code (no Yjs) into the pages that
// use it.
import type { Weakness } from '../crypto/password-strength';
import type { StoreFailure } from '../storage/log-store';

/** Why something failed, for people: a sentence (or a clause) from any thrown value. */
export function describe(error: unknown): string {
	const coded = codeOf(error);
	if (coded?.kind === 'store') return describeStore(coded.reason, coded.detail);
	if (coded?.kind === 'password') return describePassword(coded.reason);
	if (error instanceof DOMException && error.name === 'QuotaExceededError') {
		return describeStore('full');
	}
	if (error instanceof Error) return error.message || error.name;
	return String(error);
}

/** Why a password cannot protect a link, for the person choosing it. */
export function describePassword(reason: Weakness): string {
	if (reason === 'empty') return 'Choose a password.';
	if (reason === 'too-short') return 'Too short: use at least 12 characters.';
	return 'Too easy to guess: it looks like a common password or a pattern. Add more words, or take a suggested passphrase.';
}

/** Why this device's storage refused something; `detail` is the browser's own words, if any. */
export function describeStore(reason: StoreFailure, detail = ''): string {
	if (reason === 'full') return 'This device’s storage is full. Free some space, then try again.';
	if (reason === 'closed') return 'This space was closed on this device. Open it again.';
	const said = detail && detail !== reason ? ` (${detail})` : '';
	return `This browser’s storage failed${said}. Reload the page and try again.`;
}

/** Said when the link dialog refuses an address (editor/content-policy.ts decides which). */
export const LINK_REFUSED =
	'A link can go to a web address (https://…), an email address (mailto:…) or a page address. This one cannot.';

/**
 * The reason code an error from below carries, recognised by name rather than `instanceof`:
 * importing the classes would pull their modules (storage's imports Yjs) into every page.
 */
function codeOf(
	error: unknown
):
	| { kind: 'store'; reason: StoreFailure; detail: string }
	| { kind: 'password'; reason: Weakness }
	| null {
	if (!(error instanceof Error) || !('reason' in error)) return null;
	const reason = error.reason;
	if (error.name === 'StoreError' && isStoreFailure(reason)) {
		return { kind: 'store', reason, detail: error.message };
	}
	if (error.name === 'PasswordRefused' && isWeakness(reason)) return { kind: 'password', reason };
	return null;
}

const isStoreFailure = (value: unknown): value is StoreFailure =>
	value === 'full' || value === 'failed' || value === 'closed';

const isWeakness = (value: unknown): value is Weakness =>
	value === 'empty' || value === 'too-short' || value === 'guessable';
