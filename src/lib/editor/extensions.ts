// The editor's whole schema: which blocks and marks a page can hold, tables included. Shared by
// the exports (and tests), so a page exported without an editor open has exactly the same
// structure as the live editor, which starts from core-extensions.ts and adds tables.ts when a
// page needs them (lazy-tables.ts).
import { getSchema, type AnyExtension } from '@tiptap/core';
import type { Schema } from '@tiptap/pm/model';
import { coreExtensions } from './core-extensions';
import { tableExtensions } from './tables';

export function contentExtensions(): AnyExtension[] {
	return [...coreExtensions(), ...tableExtensions()];
}

let cached: Schema | null = null;

export function contentSchema(): Schema {
	cached ??= getSchema(contentExtensions());
	return cached;
}
