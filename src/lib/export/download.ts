// A page or a whole space as a file to download: the one entry point the session uses, so the
// Markdown, HTML and zip writers (and their libraries) load only when someone exports.
import type * as Y from 'yjs';
import * as pages from '../doc/pages';
import { spaceName } from '../doc/space';
import type { PageId } from '../doc/schema';

export interface Download {
	filename: string;
	blob: Blob;
}

export async function pageDownload(
	doc: Y.Doc,
	id: PageId,
	format: 'md' | 'html',
	document: Document
): Promise<Download | null> {
	const page = pages.getPage(doc, id);
	const fragment = pages.body(doc, id);
	if (page === null || fragment === null) return null;
	const { safeName } = await import('./zip');
	const name = safeName(page.title || 'Untitled');
	if (format === 'md') {
		const { pageToMarkdown } = await import('./markdown');
		const text = pageToMarkdown(fragment, page.title);
		return { filename: `${name}.md`, blob: new Blob([text], { type: 'text/markdown' }) };
	}
	const { pageToHtml } = await import('./html');
	const html = pageToHtml(fragment, page.title, document);
	return { filename: `${name}.html`, blob: new Blob([html], { type: 'text/html' }) };
}

export async function spaceDownload(
	doc: Y.Doc,
	onProgress: (done: number, total: number) => void
): Promise<Download> {
	const { spaceToZip, safeName } = await import('./zip');
	const bytes = spaceToZip(doc, onProgress);
	return {
		filename: `${safeName(spaceName(doc))}.zip`,
		blob: new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/zip' })
	};
}
