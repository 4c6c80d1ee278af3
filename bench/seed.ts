// Builds benchmark spaces with the app's own document operations (loaded through Vite).
import * as Y from 'yjs';
import * as pages from '../src/lib/doc/pages';
import { createContentDoc, type PageId } from '../src/lib/doc/schema';
import { initSpace } from '../src/lib/doc/space';

const WORDS =
	'the of and to in is was for on that with as by at from his her an were are which this be or has had not but what all when there can more some time so out up if about into them then its over also after only new first would like these two may other than'.split(
		' '
	);

/** Deterministic text so every run measures the same document. */
function sentence(seed: number, length: number): string {
	let x = seed;
	const words: string[] = [];
	let size = 0;
	while (size < length) {
		x = (x * 1103515245 + 12345) % 2147483648;
		const word = WORDS[x % WORDS.length] as string;
		words.push(word);
		size += word.length + 1;
	}
	return words.join(' ');
}

/**
 * A space with `pageCount` pages (a few nested) and about `textBytes` of text in paragraphs of
 * ~400 characters. Returns the encoded Yjs update, as the app stores it.
 */
export function buildSpace(name: string, pageCount: number, textBytes: number): Uint8Array {
	const doc = createContentDoc();
	initSpace(doc, name);
	const perPage = Math.floor(textBytes / Math.max(1, pageCount));
	let parent: PageId | null = null;
	for (let i = 0; i < pageCount; i++) {
		const id = pages.createPage(doc, {
			title: `Page ${i + 1}`,
			parent: i % 10 === 0 ? null : parent
		});
		if (i % 10 === 0) parent = id;
		const body = pages.body(doc, id) as Y.XmlFragment;
		let written = 0;
		let n = 0;
		while (written < perPage) {
			const text = sentence(i * 1000 + n++, Math.min(400, perPage - written));
			const paragraph = new Y.XmlElement('paragraph');
			paragraph.insert(0, [new Y.XmlText(text)]);
			body.insert(body.length, [paragraph]);
			written += text.length;
		}
	}
	return Y.encodeStateAsUpdate(doc);
}
