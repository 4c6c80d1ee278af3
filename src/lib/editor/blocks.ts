// The block types a user can insert, shared by the slash menu and the toolbar.
import type { Editor } from '@tiptap/core';

export interface BlockCommand {
	id: string;
	label: string;
	hint: string;
	keywords: string[];
	run(editor: Editor): void;
}

const chain = (editor: Editor) => editor.chain().focus();

export const blocks: BlockCommand[] = [
	{
		id: 'paragraph',
		label: 'Text',
		hint: 'Plain paragraph',
		keywords: ['text', 'paragraph', 'plain'],
		run: (e) => chain(e).setParagraph().run()
	},
	...([1, 2, 3] as const).map((level) => ({
		id: `heading${level}`,
		label: `Heading ${level}`,
		hint: `${'#'.repeat(level)} then space`,
		keywords: ['heading', 'title', `h${level}`],
		run: (e: Editor) => chain(e).setHeading({ level }).run()
	})),
	{
		id: 'bulletList',
		label: 'Bulleted list',
		hint: '- then space',
		keywords: ['bullet', 'list', 'unordered', 'ul'],
		run: (e) => chain(e).toggleBulletList().run()
	},
	{
		id: 'orderedList',
		label: 'Numbered list',
		hint: '1. then space',
		keywords: ['numbered', 'ordered', 'list', 'ol'],
		run: (e) => chain(e).toggleOrderedList().run()
	},
	{
		id: 'taskList',
		label: 'Task list',
		hint: '[ ] then space',
		keywords: ['task', 'todo', 'checkbox', 'check'],
		run: (e) => chain(e).toggleTaskList().run()
	},
	{
		id: 'blockquote',
		label: 'Quote',
		hint: '> then space',
		keywords: ['quote', 'blockquote', 'citation'],
		run: (e) => chain(e).toggleBlockquote().run()
	},
	{
		id: 'codeBlock',
		label: 'Code block',
		hint: '``` then space',
		keywords: ['code', 'pre', 'snippet'],
		run: (e) => chain(e).toggleCodeBlock().run()
	},
	{
		id: 'horizontalRule',
		label: 'Divider',
		hint: '--- ',
		keywords: ['divider', 'rule', 'hr', 'line', 'separator'],
		run: (e) => chain(e).setHorizontalRule().run()
	},
	{
		id: 'table',
		label: 'Table',
		hint: '3 × 3 with header',
		keywords: ['table', 'grid', 'columns'],
		run: (e) => chain(e).insertTable({ rows: 3, cols: 3, withHeaderRow: true }).run()
	}
];

export function matchBlocks(query: string): BlockCommand[] {
	const q = query.trim().toLowerCase();
	if (q === '') return blocks;
	return blocks.filter(
		(b) => b.label.toLowerCase().includes(q) || b.keywords.some((k) => k.startsWith(q))
	);
}
