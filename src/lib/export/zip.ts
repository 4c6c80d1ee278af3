// A whole space → a zip of Markdown files, one per page, folders following the page tree.
import { strToU8, zipSync, type Zippable } from 'fflate';
import type * as Y from 'yjs';
import { body } from '../doc/pages';
import { spaceName } from '../doc/space';
import { buildTree, layout, type TreeNode } from '../doc/tree';
import { pageToMarkdown } from './markdown';

export function spaceToZip(
	doc: Y.Doc,
	onProgress?: (done: number, total: number) => void
): Uint8Array {
	const tree = buildTree(layout(doc));
	const files: Zippable = {};
	const total = countNodes(tree);
	let done = 0;
	const root = safeName(spaceName(doc));
	const walk = (nodes: TreeNode[], folder: string) => {
		const used = new Set<string>();
		for (const node of nodes) {
			const name = unique(safeName(node.page.title || 'Untitled'), used);
			const fragment = body(doc, node.page.id);
			const markdown = fragment ? pageToMarkdown(fragment, node.page.title) : '';
			files[`${folder}/${name}.md`] = strToU8(markdown);
			onProgress?.(++done, total);
			if (node.children.length > 0) walk(node.children, `${folder}/${name}`);
		}
	};
	walk(tree, root);
	if (total === 0)
		files[`${root}/README.md`] = strToU8(`# ${spaceName(doc)}\n\nThis space has no pages yet.\n`);
	return zipSync(files, { level: 6 });
}

function countNodes(nodes: TreeNode[]): number {
	return nodes.reduce((n, node) => n + 1 + countNodes(node.children), 0);
}

/** A file name every common file system accepts. */
export function safeName(name: string): string {
	const clean = name
		// eslint-disable-next-line no-control-regex -- reason: control characters are what we strip
		.replace(/[\\/:*?"<>|\u0000-\u001f]/g, '-')
		.replace(/^[.\s]+|[.\s]+$/g, '')
		.slice(0, 100);
	return clean === '' ? 'Untitled' : clean;
}

function unique(name: string, used: Set<string>): string {
	let candidate = name;
	for (let n = 2; used.has(candidate.toLowerCase()); n++) candidate = `${name} (${n})`;
	used.add(candidate.toLowerCase());
	return candidate;
}
