// Space-level metadata (`meta`): the name people see and when the space was made; and the relays
// the space is kept on (`relays`, one key per address, so editors adding at once both win).
import type * as Y from 'yjs';
import { metaMap, relaysMap } from './schema';

export const DEFAULT_NAME = 'Untitled space';
export const MAX_NAME_LENGTH = 200;

export function initSpace(doc: Y.Doc, name: string, now = Date.now()): void {
	doc.transact(() => {
		const meta = metaMap(doc);
		meta.set('name', cleanName(name));
		meta.set('created', now);
	});
}

export function spaceName(doc: Y.Doc): string {
	const name = metaMap(doc).get('name');
	return typeof name === 'string' && name.trim() !== '' ? name : DEFAULT_NAME;
}

export function renameSpace(doc: Y.Doc, name: string): void {
	const clean = cleanName(name);
	if (clean === spaceName(doc)) return;
	metaMap(doc).set('name', clean);
}

export function cleanName(name: string): string {
	const clean = name.replace(/\s+/g, ' ').trim().slice(0, MAX_NAME_LENGTH);
	return clean === '' ? DEFAULT_NAME : clean;
}

/** Relays a space lists at most (more are ignored), and the longest address. */
export const MAX_SPACE_RELAYS = 8;
const MAX_RELAY_CHARS = 512;

/** The relay addresses the space lists, oldest first (not checked as URLs here). */
export function spaceRelays(doc: Y.Doc): string[] {
	return [...relaysMap(doc).entries()]
		.filter(([url, added]) => url.length <= MAX_RELAY_CHARS && typeof added === 'number')
		.sort(([, a], [, b]) => (a as number) - (b as number))
		.map(([url]) => url)
		.slice(0, MAX_SPACE_RELAYS);
}

/** Lists relays the space is kept on (editors); returns whether anything changed. */
export function addSpaceRelays(doc: Y.Doc, urls: readonly string[], now = Date.now()): boolean {
	const map = relaysMap(doc);
	const fresh = urls.filter((url) => url.length <= MAX_RELAY_CHARS && !map.has(url));
	const room = Math.max(0, MAX_SPACE_RELAYS - map.size);
	if (fresh.length === 0 || room === 0) return false;
	doc.transact(() => {
		for (const url of fresh.slice(0, room)) map.set(url, now);
	});
	return true;
}

/** Takes relays off the space's list (editors, after those relays forgot it). */
export function removeSpaceRelays(doc: Y.Doc, urls: readonly string[]): void {
	const map = relaysMap(doc);
	if (!urls.some((url) => map.has(url))) return;
	doc.transact(() => {
		for (const url of urls) map.delete(url);
	});
}
