// Page → a standalone HTML file, serialised by ProseMirror from the same schema the editor uses
// (so links and code blocks are drawn as content-policy.ts allows). The file also carries its own
// Content-Security-Policy: opened from disk later, it can run no script and load nothing.
import { DOMSerializer } from '@tiptap/pm/model';
import type * as Y from 'yjs';
import { contentSchema } from '../editor/extensions';
import { fragmentToDoc } from './markdown';

const CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

const STYLE = `body{font:16px/1.6 system-ui,sans-serif;max-width:46rem;margin:3rem auto;padding:0 1rem;color:#1f1f1f}
pre{background:#f4f4f2;padding:.8rem;border-radius:6px;overflow:auto}code{font-family:ui-monospace,monospace}
blockquote{border-left:3px solid #ccc;margin:0;padding-left:1rem;color:#555}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3rem .6rem}
ul[data-type=taskList]{list-style:none;padding-left:.2rem}ul[data-type=taskList] li{display:flex;gap:.5rem}`;

export function pageToHtml(fragment: Y.XmlFragment, title: string, document: Document): string {
	const doc = fragmentToDoc(fragment);
	const container = document.createElement('div');
	container.append(
		DOMSerializer.fromSchema(contentSchema()).serializeFragment(doc.content, { document })
	);
	const heading = document.createElement('h1');
	heading.textContent = title.trim() || 'Untitled';
	const escapedTitle = heading.innerHTML;
	return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapedTitle}</title>
<style>${STYLE}</style>
</head>
<body>
${heading.outerHTML}
${container.innerHTML}
</body>
</html>
`;
}
