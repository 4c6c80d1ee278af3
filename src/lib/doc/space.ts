// Space-level metadata (`meta`): the name people see and when the space was made.
import type * as Y from 'yjs';
import { metaMap } from './schema';

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
