// Main-thread cost of one keystroke in a 200-page space, as the app wires it: the content doc
// with everything that listens to it in an open space (the bridge sealing on the leading edge,
// the sidebar's TreeView, PageActivity) and the log doc with everything that listens to it
// (the guard, persist() into a store). Measured from the edit to the end of the microtasks it
// queues (sealing and signing included), against the same edit on a bare Yjs doc of the same
// space (the baseline). Counts the tree layouts the keystrokes caused: a body edit must cause none.
import * as Y from 'yjs';
import { fromSecret, newSecret } from '../src/lib/crypto/capability';
import * as envelope from '../src/lib/crypto/envelope';
import { createSigner } from '../src/lib/crypto/signing';
import { PageActivity } from '../src/lib/doc/activity';
import { bodiesMap, createContentDoc } from '../src/lib/doc/schema';
import { createLogDoc, logArray } from '../src/lib/log/log-doc';
import { openSpace } from '../src/lib/session/open-space';
import { TreeView } from '../src/lib/session/tree-view.svelte';
import { MemoryLogStore } from '../src/lib/storage/memory-log-store';
import { buildSpace } from './seed';

const percentile = (values: number[], p: number) => {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
};

/** Ends once every microtask queued so far (and those they queue) has run. */
const drain = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** The first text node of a page body, where a keystroke lands. */
function textOf(content: Y.Doc): Y.XmlText {
	for (const fragment of bodiesMap(content).values()) {
		const block = fragment.get(0);
		if (block instanceof Y.XmlElement) {
			const node = block.get(0);
			if (node instanceof Y.XmlText) return node;
		}
	}
	throw new Error('no text in the space');
}

async function time(text: Y.XmlText, keystrokes: number): Promise<number[]> {
	const times: number[] = [];
	for (let i = 0; i < keystrokes; i++) {
		await drain();
		const start = performance.now();
		text.insert(0, 'k');
		await Promise.resolve();
		await Promise.resolve();
		times.push(performance.now() - start);
		// A pause as between real keystrokes (the bridge seals the first change after a pause).
		await new Promise((resolve) => setTimeout(resolve, 60));
	}
	return times;
}

export async function keystrokeCost(pageCount: number, keystrokes: number) {
	const cap = fromSecret(newSecret());
	const space = buildSpace('Keystrokes', pageCount, 1_000_000);
	const store = new MemoryLogStore();
	const stored = await store.open(cap.room);
	const log = createLogDoc();
	const sealed = await envelope.seal(
		cap,
		await createSigner(cap.signSeed),
		envelope.KIND_SNAPSHOT,
		space
	);
	logArray(log).push([sealed]);
	await stored.append(Y.encodeStateAsUpdate(log));
	await stored.close();

	const content = createContentDoc();
	const opened = await openSpace(cap, { store, content });
	const tree = new TreeView(content);
	const activity = new PageActivity(content, {
		isOwnEdit: (tx) => tx.origin !== opened.bridge && tx.local
	});
	const layoutsBefore = tree.layouts;
	const app = await time(textOf(content), keystrokes);
	const layouts = tree.layouts - layoutsBefore;
	activity.destroy();
	tree.destroy();
	await opened.destroy();

	const bare = createContentDoc();
	Y.applyUpdate(bare, space);
	const baseline = await time(textOf(bare), keystrokes);
	return {
		p50: percentile(app, 50),
		p95: percentile(app, 95),
		baselineP95: percentile(baseline, 95),
		layouts
	};
}
