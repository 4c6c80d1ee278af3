// The editor's schema: which blocks and marks a page can hold. Shared by the live editor and by
// export, so a page exported without an editor open has exactly the same structure.
import { getSchema, type AnyExtension } from '@tiptap/core';
import { TaskItem, TaskList } from '@tiptap/extension-list';
import { Table, TableCell, TableHeader, TableRow } from '@tiptap/extension-table';
import type { Schema } from '@tiptap/pm/model';
import StarterKit from '@tiptap/starter-kit';

export function contentExtensions(): AnyExtension[] {
	return [
		StarterKit.configure({
			heading: { levels: [1, 2, 3] },
			// History is Yjs's: y-prosemirror's undo manager undoes only this user's changes.
			undoRedo: false,
			link: {
				openOnClick: false,
				autolink: true,
				defaultProtocol: 'https',
				HTMLAttributes: { rel: 'noopener noreferrer nofollow', target: '_blank' }
			}
		}),
		TaskList,
		TaskItem.configure({ nested: true }),
		Table.configure({ resizable: false }),
		TableRow,
		TableHeader,
		TableCell
	];
}

let cached: Schema | null = null;

export function contentSchema(): Schema {
	cached ??= getSchema(contentExtensions());
	return cached;
}
