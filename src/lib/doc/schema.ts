// The content document's shape (DESIGN.md §3): `meta`, `pages` and `bodies`, and the branded ids
// that name things inside it. Only this room knows the Yjs layout; everything above asks it.
import * as Y from 'yjs';

export type PageId = string & { readonly __brand: 'PageId' };

/** One page's metadata as stored in `pages` (each field is a key of a Y.Map). */
export interface PageRecord {
	id: PageId;
	title: string;
	parent: PageId | null;
	order: string;
	created: number;
	updated: number;
	/** When the page was moved to the trash, or null while it is live. */
	trashed: number | null;
}

export type PageMap = Y.Map<unknown>;

export const MAX_TITLE_LENGTH = 500;

/** Text on one line: each line break, with the spaces around it, becomes one space. */
export const oneLine = (text: string): string => text.replace(/\s*[\r\n]+\s*/g, ' ');

/**
 * A title as written and as read: one line of at most MAX_TITLE_LENGTH characters. Read too,
 * since another editor's client may write anything.
 */
export function cleanTitle(title: string): string {
	return oneLine(title).slice(0, MAX_TITLE_LENGTH);
}

const PAGE_ID = /^[A-Za-z0-9_-]{8,64}$/;

/** The one way to make a PageId from untrusted text (a URL, a stored record). */
export function parsePageId(value: unknown): PageId | null {
	return typeof value === 'string' && PAGE_ID.test(value) ? (value as PageId) : null;
}

export function newPageId(): PageId {
	return randomId() as PageId;
}

/** 16 random bytes as base64url: unguessable and safe in URLs and file names. */
export function randomId(): string {
	const bytes = crypto.getRandomValues(new Uint8Array(16));
	let text = '';
	for (const byte of bytes) text += String.fromCharCode(byte);
	return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** `gc: false` keeps deleted content so version history stays possible (DESIGN.md §3). */
export function createContentDoc(): Y.Doc {
	return new Y.Doc({ gc: false });
}

export const metaMap = (doc: Y.Doc): Y.Map<unknown> => doc.getMap('meta');
export const pagesMap = (doc: Y.Doc): Y.Map<PageMap> => doc.getMap('pages');
export const bodiesMap = (doc: Y.Doc): Y.Map<Y.XmlFragment> => doc.getMap('bodies');
/** The relays the space is kept on (address → when it was added): sealed like all content. */
export const relaysMap = (doc: Y.Doc): Y.Map<unknown> => doc.getMap('relays');

/** Reads a page record defensively: a field of the wrong type (a damaged or foreign record)
 * reads as a safe default rather than breaking the tree. */
export function readPage(id: PageId, map: PageMap): PageRecord {
	const title = map.get('title');
	const order = map.get('order');
	const created = map.get('created');
	const updated = map.get('updated');
	const trashed = map.get('trashed');
	return {
		id,
		title: typeof title === 'string' ? cleanTitle(title) : '',
		parent: parsePageId(map.get('parent')),
		order: typeof order === 'string' ? order : '',
		created: typeof created === 'number' ? created : 0,
		updated: typeof updated === 'number' ? updated : 0,
		trashed: typeof trashed === 'number' ? trashed : null
	};
}
