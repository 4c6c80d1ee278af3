// Opening a Commonplace link, on any route: read the capability from the fragment, ask for a
// password when it is protected, and say what the link would do before anything changes — a
// link never slips a space into someone's list unasked (DESIGN.md §2). Every failure is a
// sentence for people.
import { describe } from './messages';
import { strength, type Capability } from '../crypto/capability';
import * as links from '../crypto/links';

// What the share dialog needs to judge a password, through the session (DESIGN.md §5).
export * as passwordStrength from '../crypto/password-strength';
export type { Weakness } from '../crypto/password-strength';
export { PasswordRefused } from '../crypto/links';
import { checkSignalingUrl } from '../sync/network-config';
import { capabilityOf } from './open-space';
import { heldEntry, joinSpace } from './space-admin';

export type LinkRead =
	| {
			kind: 'space';
			cap: Capability & { kind: 'edit' | 'view' };
			/** Relays the link names for this space (checked addresses; may be none). */
			relays: string[];
			/** What this device holds of that space already. */
			held: { id: string; name: string; stronger: boolean; same: boolean } | null;
	  }
	| { kind: 'password'; payload: Uint8Array }
	| { kind: 'error'; message: string };

const RELAY =
	'This is a relay link: it lets an always-on server keep this space for others without reading it. Ask for an edit or view link to open the space.';

/** Reads a fragment (without '#'); changes nothing. */
export async function readLink(fragment: string): Promise<LinkRead> {
	const parsed = links.parse(fragment);
	if (parsed.ok === false) return { kind: 'error', message: parsed.error };
	if (parsed.ok === 'password') return { kind: 'password', payload: parsed.payload };
	return describeCap(parsed.cap, parsed.relays);
}

/** The hints that are relay addresses this app would connect to (wss://, or ws:// here). */
function usableRelays(hints: string[]): string[] {
	return hints.flatMap((hint) => {
		const checked = checkSignalingUrl(hint);
		return checked.ok ? [checked.value] : [];
	});
}

/** Opens a `p1` payload with a password; changes nothing. */
export async function unlock(payload: Uint8Array, password: string): Promise<LinkRead> {
	const opened = await links.unprotect(payload, password);
	if (!opened.ok) return { kind: 'error', message: opened.error };
	return describeCap(opened.cap, opened.relays);
}

async function describeCap(cap: Capability, hints: string[]): Promise<LinkRead> {
	if (cap.kind === 'relay') return { kind: 'error', message: RELAY };
	const relays = usableRelays(hints);
	try {
		const entry = await heldEntry(cap);
		if (entry === null) return { kind: 'space', cap, relays, held: null };
		const held = entry.cap === null ? null : capabilityOf(entry.cap);
		const mine = held === null ? 0 : strength(held);
		return {
			kind: 'space',
			cap,
			relays,
			held: {
				id: entry.id,
				name: entry.name,
				stronger: mine > strength(cap),
				same: mine === strength(cap)
			}
		};
	} catch (error) {
		return { kind: 'error', message: `Your spaces could not be read: ${describe(error)}` };
	}
}

/** Whether opening this link needs the person's yes: it adds a space, or changes a key. */
export function needsConsent(read: Extract<LinkRead, { kind: 'space' }>): boolean {
	return read.held === null || (!read.held.stronger && !read.held.same);
}

/**
 * Adds the space (or the stronger key) to this device, remembering the relays the link named
 * for it; returns where to go.
 */
export async function accept(
	cap: Capability,
	relays: string[] = []
): Promise<{ ok: true; id: string } | { ok: false; message: string }> {
	try {
		const { id } = await joinSpace(cap, relays);
		return { ok: true, id };
	} catch (error) {
		return {
			ok: false,
			message: `The space could not be added to this device: ${describe(error)}`
		};
	}
}

/** Wraps an edit or view link under a password (PBKDF2, 600,000 rounds: takes a moment). */
export function protect(fragment: string, password: string): Promise<string> {
	return links.protect(fragment, password);
}
