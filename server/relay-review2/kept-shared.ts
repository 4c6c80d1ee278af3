// Shared helpers for this review's KEPT tests (not a test file itself): the app's relay session
// wired to an in-process relay, a signed entry, and what a room's store has committed on disk.
import nacl from 'tweetnacl';
import * as Y from 'yjs';
import * as capability from '../../src/lib/crypto/capability';
import * as envelope from '../../src/lib/crypto/envelope';
import { createSigner } from '../../src/lib/crypto/signing';
import { logArray } from '../../src/lib/log/log-doc';
import { RelaySession } from '../../src/lib/sync/relay-session';
import { LevelLogStore, type LevelDb } from '../level-log-store';
import type { Relay } from '../relay';
import { cleanup } from '../relay-review/harness';

/** The app's relay session on `log`, talking to an in-process relay; `kept` collects KEPTs. */
export function member(relay: Relay, cap: capability.RelayCapability, log: Y.Doc, keep: boolean) {
	let closed = false;
	let toRelay: ((bytes: Uint8Array) => void) | null = null;
	const kept: Array<{ at: number; vector: Map<number, number> }> = [];
	const session = new RelaySession({
		log,
		cap,
		keep,
		send: (bytes) => queueMicrotask(() => !closed && toRelay?.(bytes))
	});
	session.on('kept', (vector) => kept.push({ at: performance.now(), vector }));
	const side = relay.connect(
		{
			send: (bytes) => queueMicrotask(() => !closed && session.receive(bytes)),
			close: () => queueMicrotask(() => (closed = true))
		},
		'198.51.100.8'
	);
	toRelay = side.receive;
	const close = () => {
		if (closed) return;
		closed = true;
		side.close();
		session.destroy();
	};
	cleanup.push(close);
	return { session, kept, close };
}

export async function space() {
	const cap = capability.fromSecret(capability.newSecret());
	const signer = await createSigner(cap.signSeed);
	return { cap, relayCap: capability.toRelay(cap), signer };
}

/** Appends one signed entry to `log` (as an editor's bridge would). */
export async function writeEntry(
	cap: capability.EditCapability,
	signer: Awaited<ReturnType<typeof createSigner>>,
	log: Y.Doc
) {
	const sealed = await envelope.seal(cap, signer, envelope.KIND_UPDATE, nacl.randomBytes(64));
	logArray(log).push([sealed]);
}

/** The log state vector of what the store has written for `room`, read back from LevelDB. */
export async function committedVector(db: LevelDb, room: string): Promise<Map<number, number>> {
	const stored = await new LevelLogStore(db).open(room);
	const { updates } = await stored.load();
	const doc = new Y.Doc();
	for (const update of updates) Y.applyUpdate(doc, update);
	return Y.decodeStateVector(Y.encodeStateVector(doc));
}

export const covers = (held: Map<number, number>, wanted: Map<number, number>) =>
	[...wanted].every(([client, clock]) => (held.get(client) ?? 0) >= clock);

export const vectorOf = (doc: Y.Doc) => Y.decodeStateVector(Y.encodeStateVector(doc));
