// Attacks on the sealed log by anyone holding only the relay key, and what honest peers do:
// put back what was deleted without sanction, accept what a snapshot covers (even after
// sleeping through two compactions), drop junk and extra copies. Each scenario ends with the
// question that matters: does a newcomer who gets only the log see everything?
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import * as capability from '../../../src/lib/crypto/capability';
import { signingKeys, createVerifier } from '../../../src/lib/crypto/signing';
import * as pages from '../../../src/lib/doc/pages';
import { createContentDoc, pagesMap } from '../../../src/lib/doc/schema';
import { Bridge } from '../../../src/lib/log/bridge';
import { LogGuard } from '../../../src/lib/log/guard';
import { createLogDoc, logArray } from '../../../src/lib/log/log-doc';
import * as hostile from '../../adversary/log';

type Cap = capability.EditCapability | capability.ViewCapability;
const FAST = { coalesceMs: 1, idleMs: 3_600_000, pauseMs: [0, 20] as const, repairMs: 20 };

async function reader(cap: Cap, log = createLogDoc()) {
	const content = createContentDoc();
	const bridge = await Bridge.create({ content, log, cap, ...(await signingKeys(cap)), ...FAST });
	return { content, log, bridge };
}

/** A newcomer who gets only this log: which page titles does it see? */
async function newcomerTitles(cap: Cap, log: Y.Doc): Promise<string[]> {
	const copy = createLogDoc();
	Y.applyUpdate(copy, Y.encodeStateAsUpdate(log));
	const fresh = await reader(capability.toView(cap as capability.EditCapability), copy);
	await fresh.bridge.settled();
	const titles = titlesOf(fresh.content);
	fresh.bridge.destroy();
	return titles;
}

const titlesOf = (content: Y.Doc) =>
	[...pagesMap(content).values()].map((page) => String(page.get('title'))).sort();

async function eventually(check: () => Promise<void>, ms = 8_000) {
	const until = Date.now() + ms;
	for (;;) {
		try {
			return await check();
		} catch (error) {
			if (Date.now() > until) throw error;
			await new Promise((resolve) => setTimeout(resolve, 50));
		}
	}
}

describe('adversary: the sealed log', () => {
	it('a rollback (every entry deleted, an old snapshot re-inserted) is undone; newcomers see everything', async () => {
		const cap = capability.fromSecret(capability.newSecret());
		const editor = await reader(cap);
		const attacker = createLogDoc(); // holds only the relay key: it never opens anything
		hostile.link(editor.log, attacker);

		pages.createPage(editor.content, { title: 'first' });
		await editor.bridge.compact();
		const old = hostile.entries(attacker);
		expect(old).toHaveLength(1); // the first snapshot
		pages.createPage(editor.content, { title: 'second' });
		await editor.bridge.compact();
		pages.createPage(editor.content, { title: 'third' });
		await editor.bridge.settled();

		hostile.rollback(attacker, old[0] as Uint8Array);
		await eventually(async () => {
			await editor.bridge.settled();
			expect(await newcomerTitles(cap, editor.log)).toEqual(['first', 'second', 'third']);
		});
		// Later edits are not stranded: they build on what the newcomer has.
		pages.createPage(editor.content, { title: 'fourth' });
		await editor.bridge.settled();
		expect(await newcomerTitles(cap, attacker)).toEqual(['first', 'fourth', 'second', 'third']);
		editor.bridge.destroy();
	});

	it('a peer offline across two compactions accepts both and puts nothing back', async () => {
		const cap = capability.fromSecret(capability.newSecret());
		const editor = await reader(cap);
		const sleeper = await reader(capability.toView(cap));
		for (const title of ['a', 'b', 'c']) {
			pages.createPage(editor.content, { title });
			await editor.bridge.flush();
		}
		hostile.meet(editor.log, sleeper.log);
		await sleeper.bridge.settled();
		expect(logArray(sleeper.log).length).toBe(3);

		// Asleep: two compactions, with edits between and after.
		pages.createPage(editor.content, { title: 'd' });
		await editor.bridge.compact();
		pages.createPage(editor.content, { title: 'e' });
		await editor.bridge.compact();
		pages.createPage(editor.content, { title: 'f' });
		await editor.bridge.settled();

		hostile.meet(editor.log, sleeper.log);
		await sleeper.bridge.maintain();
		await editor.bridge.maintain();
		expect(sleeper.bridge.guard.stats.deletions.covered).toBe(3);
		expect(sleeper.bridge.guard.stats.deletions.unsanctioned).toBe(0);
		expect(sleeper.bridge.guard.stats.putBack + editor.bridge.guard.stats.putBack).toBe(0);
		expect(titlesOf(sleeper.content)).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
		expect(logArray(sleeper.log).length).toBe(2); // the second snapshot and 'f'
		expect(Y.encodeStateVector(sleeper.log)).toEqual(Y.encodeStateVector(editor.log));
		editor.bridge.destroy();
		sleeper.bridge.destroy();
	});

	it('a blind relay puts back what a viewer wiped, with no editor online', async () => {
		const cap = capability.fromSecret(capability.newSecret());
		const editor = await reader(cap);
		for (const title of ['kept', 'safe']) {
			pages.createPage(editor.content, { title });
			await editor.bridge.flush();
		}
		await editor.bridge.settled();
		const relayCap = capability.toRelay(cap);
		const relayLog = createLogDoc();
		hostile.meet(editor.log, relayLog);
		editor.bridge.destroy(); // the editor goes away
		const relay = new LogGuard({
			log: relayLog,
			cap: relayCap,
			verifier: await createVerifier(relayCap.signPk),
			pauseMs: [0, 10]
		});
		await relay.start();
		const viewer = createLogDoc();
		hostile.link(relayLog, viewer);
		hostile.wipe(viewer);
		await eventually(async () => {
			await relay.settled();
			expect(await newcomerTitles(cap, viewer)).toEqual(['kept', 'safe']);
		});
		expect(relay.stats.putBack).toBe(2);
		relay.destroy();
	});

	it('copies and junk are removed, never the last copy; content stays the same', async () => {
		const cap = capability.fromSecret(capability.newSecret());
		const editor = await reader(cap);
		for (const title of ['one', 'two']) {
			pages.createPage(editor.content, { title });
			await editor.bridge.flush();
		}
		await editor.bridge.settled();
		const before = Y.encodeStateAsUpdate(editor.content);
		const attacker = createLogDoc();
		hostile.link(editor.log, attacker);
		hostile.replay(attacker, 3);
		hostile.junk(attacker, 5_000);
		attacker.transact(() =>
			logArray(attacker).push([hostile.forged(cap.topicBytes, cap.readKey, new Uint8Array([0, 0]))])
		);
		expect(logArray(editor.log).length).toBe(2 + 6 + 5_001);
		await eventually(async () => {
			await editor.bridge.maintain();
			expect(logArray(editor.log).length).toBe(2);
		});
		expect(editor.bridge.guard.stats.junkRemoved).toBe(5_001);
		expect(editor.bridge.guard.stats.copiesRemoved).toBe(6);
		expect(editor.bridge.guard.stats.putBack).toBe(0);
		expect(Y.encodeStateAsUpdate(editor.content)).toEqual(before);
		expect(await newcomerTitles(cap, attacker)).toEqual(['one', 'two']);

		// Deleting the one copy left is not a duplicate's deletion: it comes back.
		logArray(attacker).delete(0, 1);
		await eventually(async () => {
			await editor.bridge.maintain();
			expect(await newcomerTitles(cap, attacker)).toEqual(['one', 'two']);
		});
		expect(editor.bridge.guard.stats.putBack).toBe(1);
		editor.bridge.destroy();
	});
});
