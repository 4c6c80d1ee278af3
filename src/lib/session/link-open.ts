// Opening a Commonplace link: read the capability from the fragment, ask for a password when
// it is protected, and add the space to the keyring. Every failure is a sentence for people.
import * as links from '../crypto/links';
import { joinSpace } from './space-admin';

export type LinkResult =
	| { kind: 'joined'; id: string; added: boolean; readOnly: boolean }
	| { kind: 'password'; payload: Uint8Array }
	| { kind: 'error'; message: string };

const RELAY =
	'This is a relay link: it lets an always-on device keep this space for others without reading it. Ask for an edit or view link to open the space.';

export async function openFragment(fragment: string): Promise<LinkResult> {
	const parsed = links.parse(fragment);
	if (parsed.ok === false) return { kind: 'error', message: parsed.error };
	if (parsed.ok === 'password') return { kind: 'password', payload: parsed.payload };
	return join(parsed.cap);
}

export async function unlock(payload: Uint8Array, password: string): Promise<LinkResult> {
	const opened = await links.unprotect(payload, password);
	if (!opened.ok) return { kind: 'error', message: opened.error };
	return join(opened.cap);
}

async function join(cap: Parameters<typeof joinSpace>[0]): Promise<LinkResult> {
	if (cap.kind === 'relay') return { kind: 'error', message: RELAY };
	try {
		const { id, added } = await joinSpace(cap);
		return { kind: 'joined', id, added, readOnly: cap.kind !== 'edit' };
	} catch (error) {
		return {
			kind: 'error',
			message: `The space could not be added to this device: ${error instanceof Error ? error.message : String(error)}`
		};
	}
}

/** Wraps an edit or view link under a password (PBKDF2, 600,000 rounds: takes a moment). */
export function protect(fragment: string, password: string): Promise<string> {
	return links.protect(fragment, password);
}
