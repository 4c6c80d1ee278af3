// The editor's schema is the document format every editor of a space reads and writes (through
// y-prosemirror: node and mark names, their attributes and defaults, which content goes where,
// and the order marks are kept in). It must not change by accident — for example when the
// extensions are listed differently — so it is compared with a recorded copy. A deliberate
// change updates tests/fixtures/editor-schema.json (run with UPDATE_SCHEMA=1) and says why.
import { getSchema } from '@tiptap/core';
import type { Schema } from '@tiptap/pm/model';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { coreExtensions } from '../../src/lib/editor/core-extensions';
import { contentSchema } from '../../src/lib/editor/extensions';

const FIXTURE = 'tests/fixtures/editor-schema.json';

/** Everything of a schema that shapes documents, in the schema's own order (functions left out). */
function shape(schema: Schema) {
	const plain = (spec: object) => JSON.parse(JSON.stringify(spec)) as unknown;
	return {
		nodes: Object.values(schema.nodes).map((type) => ({ name: type.name, spec: plain(type.spec) })),
		marks: Object.values(schema.marks).map((type) => ({ name: type.name, spec: plain(type.spec) }))
	};
}

describe('the editor schema', () => {
	const now = { core: shape(getSchema(coreExtensions())), content: shape(contentSchema()) };
	if (process.env.UPDATE_SCHEMA) writeFileSync(FIXTURE, JSON.stringify(now, null, '\t') + '\n');

	it('is exactly the recorded one, with and without tables', () => {
		expect(existsSync(FIXTURE), `${FIXTURE} is missing`).toBe(true);
		expect(now).toEqual(JSON.parse(readFileSync(FIXTURE, 'utf8')));
	});
});
