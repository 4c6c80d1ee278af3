// Review 8: review 7's fix had the repair count envelopes waiting to be put back as held
// (guard.ts awaitingPutBack; bridge.ts #repair). A put-back waits out a backoff (30 s, doubling to an
// hour) once the same envelope was put back lately; meanwhile the content is in no live entry,
// only in the guard's memory. A relay (or viewer) that deletes it twice decides when that is.
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import * as capability from '../../src/lib/crypto/capability';
import { signingKeys } from '../../src/lib/crypto/signing';
import * as pages from '../../src/lib/doc/pages';
import { createContentDoc } from '../../src/lib/doc/schema';
import { createLogDoc, logArray } from '../../src/lib/log/log-doc';
import { deletingRelay, editorBridge } from '../support/editor-bridge';

describe('review8: content held only by a put-back in its backoff', () => {
	it('an editor that closes while a put-back waits leaves a log that still holds its content', async () => {
		const cap = capability.fromSecret(capability.newSecret());
		const keys = await signingKeys(cap);
		const { content, log, bridge } = await editorBridge(cap, keys);
		pages.createPage(content, { title: 'the only copy of this page' });
		await bridge.settled();
		expect(logArray(log).length).toBe(1);

		// The relay deletes the entry; the editor puts it back (first time: at once); the relay
		// deletes the put-back copy: the next put-back waits 30 s. Four bytes of deletions each.
		const deleteAll = deletingRelay(log, bridge);
		await deleteAll();
		await deleteAll();
		expect(bridge.guard.stats.putBackHeld).toBeGreaterThan(0);
		// Now: no live entry holds the page (the log is empty); the repair found the envelope
		// "held" (waiting to be put back, in memory) and sealed nothing.

		// The editor closes now (as open-space.ts does: flushNow, settle, destroy). What it
		// leaves in storage is its log doc; the guard's waiting put-backs lived in memory.
		bridge.flushNow();
		await bridge.settled();
		bridge.destroy();
		const stored = Y.encodeStateAsUpdate(log);

		// Opened again (a reload, the next day): the page is gone, from this editor and from
		// the relay, for good. Before the review-7 fix the repair sealed it again at once.
		const content2 = createContentDoc();
		const log2 = createLogDoc();
		Y.applyUpdate(log2, stored);
		const { bridge: reopened } = await editorBridge(cap, keys, { content: content2, log: log2 });
		await reopened.settled();
		const titles = JSON.stringify(content2.getMap('pages').toJSON());
		reopened.destroy();
		expect(titles).toContain('the only copy of this page');
	});
});
