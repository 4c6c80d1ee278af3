// An editor's bridge for the repair tests (review7-repair-reseal, review8-putback-window):
// quick to seal and to repair, and a relay beside it that deletes every entry of its log.
import * as Y from 'yjs';
import type { EditCapability } from '../../src/lib/crypto/capability';
import type { signingKeys } from '../../src/lib/crypto/signing';
import { createContentDoc } from '../../src/lib/doc/schema';
import { Bridge } from '../../src/lib/log/bridge';
import { createLogDoc } from '../../src/lib/log/log-doc';

/** Each doc takes in what it lacks of the other. */
export function sync(a: Y.Doc, b: Y.Doc) {
	Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)));
	Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)));
}

/**
 * An editor's bridge on fresh docs (or these), sealing at once and repairing 5 ms after a
 * deletion; it tidies after 1–2 ms unless `pauseMs` says otherwise.
 */
export async function editorBridge(
	cap: EditCapability,
	keys: Awaited<ReturnType<typeof signingKeys>>,
	docs: { content?: Y.Doc; log?: Y.Doc; pauseMs?: readonly [number, number] } = {}
) {
	const content = docs.content ?? createContentDoc();
	const log = docs.log ?? createLogDoc();
	const bridge = await Bridge.create({
		content,
		log,
		cap,
		...keys,
		coalesceMs: 5,
		idleMs: 60_000,
		pauseMs: docs.pauseMs ?? [1, 2],
		repairMs: 5
	});
	return { content, log, bridge };
}

/**
 * A relay holding a plain copy of `log`: each call deletes every entry it holds (a few bytes
 * of deletions), hands that to the editor and lets the editor do its upkeep (put back, repair).
 */
export function deletingRelay(log: Y.Doc, bridge: Bridge): () => Promise<void> {
	const relay = new Y.Doc();
	return async () => {
		sync(log, relay);
		const array = relay.getArray('log');
		array.delete(0, array.length);
		sync(relay, log);
		await bridge.maintain();
	};
}
