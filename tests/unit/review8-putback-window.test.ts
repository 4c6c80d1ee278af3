// Review 8: the repair now counts envelopes waiting to be put back as held (guard.ts
// awaitingPutBack; bridge.ts #repair). A put-back waits out a backoff (30 s, doubling to an
// hour) once the same envelope was put back lately; meanwhile the content is in no live entry,
// only in the guard's memory. A relay (or viewer) that deletes it twice decides when that is.
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import * as capability from '../../src/lib/crypto/capability';
import { signingKeys } from '../../src/lib/crypto/signing';
import * as pages from '../../src/lib/doc/pages';
import { createContentDoc } from '../../src/lib/doc/schema';
import { Bridge } from '../../src/lib/log/bridge';
import { createLogDoc, logArray } from '../../src/lib/log/log-doc';

const sync = (a: Y.Doc, b: Y.Doc) => {
	Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)));
	Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)));
};

describe('review8: content held only by a put-back in its backoff', () => {
	it('an editor that closes while a put-back waits leaves a log that still holds its content', async () => {
		const cap = capability.fromSecret(capability.newSecret());
		const keys = await signingKeys(cap);
		const open = (content: Y.Doc, log: Y.Doc) =>
			Bridge.create({
				content,
				log,
				cap,
				...keys,
				coalesceMs: 5,
				idleMs: 60_000,
				pauseMs: [1, 2],
				repairMs: 5
			});
		const content = createContentDoc();
		const log = createLogDoc();
		const bridge = await open(content, log);
		pages.createPage(content, { title: 'the only copy of this page' });
		await bridge.settled();
		expect(logArray(log).length).toBe(1);

		// The relay deletes the entry; the editor puts it back (first time: at once); the relay
		// deletes the put-back copy: the next put-back waits 30 s. Four bytes of deletions each.
		const relay = new Y.Doc();
		const deleteAll = async () => {
			sync(log, relay);
			const array = relay.getArray('log');
			array.delete(0, array.length);
			sync(relay, log);
			await bridge.maintain();
		};
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
		const reopened = await open(content2, log2);
		await reopened.settled();
		const titles = JSON.stringify(content2.getMap('pages').toJSON());
		reopened.destroy();
		expect(titles).toContain('the only copy of this page');
	});
});
