// Hostile peers at the log level: what anyone holding only the relay key (a viewer, a relay, a
// stranger who learned the room) can do to a space's log doc — wipe it, roll it back to an old
// snapshot, delete the one copy that matters, replay and flood it with junk or copies. Each
// returns what it did, so a test can check that honest peers undo it. Reused by unit tests,
// benches and (through page.evaluate) end-to-end tests.
import nacl from 'tweetnacl';
import * as Y from 'yjs';
import * as envelope from '../../src/lib/crypto/envelope';
import { logArray } from '../../src/lib/log/log-doc';

/** Every envelope now in the log, in order. */
export function entries(log: Y.Doc): Uint8Array[] {
	return logArray(log)
		.toArray()
		.filter((e): e is Uint8Array => e instanceof Uint8Array);
}

/** The snapshots now in the log (by their clear header), to replay later. */
export function snapshots(log: Y.Doc): Uint8Array[] {
	return entries(log).filter((e) => {
		const seen = envelope.inspect(e);
		return seen.ok && seen.header.kind === envelope.KIND_SNAPSHOT;
	});
}

/** Rollback: in one transaction, delete every entry and re-insert an old snapshot. */
export function rollback(log: Y.Doc, old: Uint8Array): void {
	const array = logArray(log);
	log.transact(() => {
		array.delete(0, array.length);
		array.push([old]);
	});
}

/** Deletes every entry. */
export function wipe(log: Y.Doc): void {
	const array = logArray(log);
	array.delete(0, array.length);
}

/** Pushes copies of existing entries (replays): idempotent content, clutter in the log. */
export function replay(log: Y.Doc, times = 1): void {
	const array = logArray(log);
	const all = entries(log);
	log.transact(() => {
		for (let i = 0; i < times; i++) array.push(all);
	});
}

/** Pushes `count` entries of random bytes (junk) in one transaction, `bytes` each. */
export function junk(log: Y.Doc, count: number, bytes = 16, seed = 1): void {
	let state = seed;
	const next = () => (state = (state * 1103515245 + 12345) & 0x7fffffff);
	const values = Array.from({ length: count }, () => {
		const out = new Uint8Array(bytes);
		for (let i = 0; i < bytes; i++) out[i] = next() & 0xff;
		return out;
	});
	logArray(log).push(values);
}

/** An envelope that looks like this space's but is signed by a stranger's key. */
export function forged(topicBytes: Uint8Array, readKey: Uint8Array, body: Uint8Array): Uint8Array {
	const stranger = nacl.sign.keyPair();
	const nonce = nacl.randomBytes(24);
	const rest = new Uint8Array([envelope.KIND_UPDATE, 0, 0, 0, 0]);
	const box = nacl.secretbox(body, nonce, readKey);
	const tail = new Uint8Array(rest.length + nonce.length + box.length);
	tail.set(rest);
	tail.set(nonce, rest.length);
	tail.set(box, rest.length + nonce.length);
	const context = new TextEncoder().encode('commonplace/v2/envelope');
	const message = new Uint8Array(context.length + topicBytes.length + tail.length);
	message.set(context);
	message.set(topicBytes, context.length);
	message.set(tail, context.length + topicBytes.length);
	const sig = nacl.sign.detached(message, stranger.secretKey);
	const out = new Uint8Array(1 + 64 + tail.length);
	out[0] = envelope.VERSION;
	out.set(sig, 1);
	out.set(tail, 65);
	return out;
}

/** Two-way sync of two log docs, as peers do after they meet. */
export function meet(a: Y.Doc, b: Y.Doc, origin: unknown = 'network'): void {
	Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)), origin);
	Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)), origin);
}

/** Connects two log docs live (every update crosses at once); returns a disconnect. */
export function link(a: Y.Doc, b: Y.Doc): () => void {
	const forward = (to: Y.Doc) => (update: Uint8Array, origin: unknown) => {
		if (origin !== link) Y.applyUpdate(to, update, link);
	};
	const ab = forward(b);
	const ba = forward(a);
	a.on('update', ab);
	b.on('update', ba);
	meet(a, b, link);
	return () => {
		a.off('update', ab);
		b.off('update', ba);
	};
}
