// Hostile peers, as bytes: builders for what anyone holding a room's relay key can send over a
// data channel (chunked-channel frames and y-webrtc messages), for the permanent adversary suite
// (tests/unit/adversary/, tests/e2e/adversary-*). Each builder makes one attack; `randomMessage`
// makes many, from a seed, for fuzzing. Nothing here knows a read key: a peer needs none to send.
import * as encoding from 'lib0/encoding';
import * as prng from 'lib0/prng';
import * as Y from 'yjs';
import type { RawChannel } from '../../src/lib/sync/chunked-channel';

export const MESSAGE = { sync: 0, awareness: 1, queryAwareness: 3, bcPeerId: 4 } as const;
export const SYNC = { step1: 0, step2: 1, update: 2 } as const;

/** A fuzz seed: `name` from the environment if set (to rerun a failure), else `fallback`. */
export function seedFrom(name: string, fallback: number): number {
	const value = Number(process.env[name]);
	return Number.isSafeInteger(value) ? value : fallback;
}

// ---- frames (sync/chunked-channel.ts) ----

/**
 * The receiving end of a data channel, driven by hand: `deliver` hands it a frame as the
 * network would; what it sends is kept in `sent`; `close` is remembered.
 */
export class FakeChannel implements RawChannel {
	binaryType = 'blob';
	readonly label = 'adversary';
	readyState = 'open';
	bufferedAmount = 0;
	bufferedAmountLowThreshold = 0;
	onmessage: ((event: { data: unknown }) => void) | null = null;
	onopen: ((event: unknown) => void) | null = null;
	onclose: ((event: unknown) => void) | null = null;
	onerror: ((event: unknown) => void) | null = null;
	onbufferedamountlow: ((event: unknown) => void) | null = null;
	readonly sent: Uint8Array[] = [];

	send(data: Uint8Array<ArrayBuffer>) {
		this.sent.push(data);
	}

	close() {
		this.readyState = 'closed';
	}

	/** A frame arrives (as an ArrayBuffer of its own, as RTCDataChannel gives it). */
	deliver(frame: Uint8Array | string) {
		this.onmessage?.({ data: typeof frame === 'string' ? frame : frame.slice().buffer });
	}
}

export const frames = {
	whole(message: Uint8Array): Uint8Array {
		const out = new Uint8Array(1 + message.length);
		out.set(message, 1);
		return out;
	},
	first(total: number, part: Uint8Array = new Uint8Array(0)): Uint8Array {
		const out = new Uint8Array(5 + part.length);
		out[0] = 1;
		new DataView(out.buffer).setUint32(1, total);
		out.set(part, 5);
		return out;
	},
	next(part: Uint8Array): Uint8Array {
		const out = new Uint8Array(1 + part.length);
		out[0] = 2;
		out.set(part, 1);
		return out;
	}
};

/** Five bytes announcing a 256 MiB message: the old receiver allocated it all at once. */
export const memoryBombFirstFrame = (total = 256 * 1024 * 1024): Uint8Array => frames.first(total);

/**
 * The frames of a message that announces `total` bytes and then stops after `sent` of them:
 * held open, it would keep the receiver's buffer forever.
 */
export function neverFinishing(total: number, sent: number, partBytes = 64 * 1024): Uint8Array[] {
	const out = [frames.first(total, new Uint8Array(Math.min(sent, partBytes - 5)))];
	for (let at = partBytes - 5; at < sent; at += partBytes - 1) {
		out.push(frames.next(new Uint8Array(Math.min(partBytes - 1, sent - at))));
	}
	return out;
}

// ---- y-webrtc messages ----

export function syncMessage(sub: number, payload: Uint8Array): Uint8Array {
	const encoder = encoding.createEncoder();
	encoding.writeVarUint(encoder, MESSAGE.sync);
	encoding.writeVarUint(encoder, sub);
	encoding.writeVarUint8Array(encoder, payload);
	return encoding.toUint8Array(encoder);
}

export function awarenessMessage(update: Uint8Array): Uint8Array {
	const encoder = encoding.createEncoder();
	encoding.writeVarUint(encoder, MESSAGE.awareness);
	encoding.writeVarUint8Array(encoder, update);
	return encoding.toUint8Array(encoder);
}

/** An awareness update with any client ids, clocks and states (JSON text, or null). */
export function awarenessUpdate(
	states: Array<{ client: number; clock: number; json: string | null }>
): Uint8Array {
	const encoder = encoding.createEncoder();
	encoding.writeVarUint(encoder, states.length);
	for (const { client, clock, json } of states) {
		encoding.writeVarUint(encoder, client);
		encoding.writeVarUint(encoder, clock);
		encoding.writeVarString(encoder, json ?? 'null');
	}
	return encoding.toUint8Array(encoder);
}

/**
 * `count` made-up people of about `chars` characters each, client ids from `firstClient`: each
 * message fits the per-message caps; together they flood one connection.
 */
export function awarenessFlood(count: number, chars = 600, firstClient = 1_000): Uint8Array {
	const filler = 'x'.repeat(Math.max(0, chars - 8));
	return awarenessMessage(
		awarenessUpdate(
			Array.from({ length: count }, (_, i) => ({
				client: firstClient + i,
				clock: 1,
				json: JSON.stringify({ s: filler })
			}))
		)
	);
}

/** One byte that asks the receiver to send every presence state it holds. */
export const queryAwareness = (): Uint8Array => new Uint8Array([MESSAGE.queryAwareness]);

/** `n` query-awareness messages, to send in a burst. */
export const queryFlood = (n: number): Uint8Array[] => Array.from({ length: n }, queryAwareness);

/**
 * How a many-entry update is made: one-byte Uint8Arrays (each its own item, as envelopes are);
 * plain values in one item; one value per item from two alternating clients (so Yjs cannot
 * merge them); that, all deleted (history: deleted runs, no live entry); or twice as many
 * entries with every other one deleted (as many delete-set ranges).
 */
export type EntryKind = 'binary' | 'values' | 'interleaved' | 'deleted' | 'ranges';

/** A Yjs update of the log made of `entries` tiny entries, as the message kind `sub`. */
export function manyEntryUpdate(
	entries: number,
	kind: EntryKind = 'binary',
	sub: number = SYNC.update
): Uint8Array {
	return syncMessage(sub, manyEntryPayload(entries, kind));
}

const payloads = new Map<string, Uint8Array>();

/** The Yjs update inside `manyEntryUpdate` (built once per shape: big ones take a while). */
export function manyEntryPayload(entries: number, kind: EntryKind = 'binary'): Uint8Array {
	const key = `${kind}:${entries}`;
	const known = payloads.get(key);
	if (known !== undefined) return known;
	const doc = new Y.Doc();
	doc.clientID = 10;
	const log = doc.getArray<unknown>('log');
	if (kind === 'values') {
		log.push(Array.from({ length: entries }, (_, i) => i));
	} else if (kind === 'interleaved' || kind === 'deleted') {
		const payload = alternatingAppends(entries, kind === 'deleted');
		payloads.set(key, payload);
		return payload;
	} else if (kind === 'ranges') {
		log.push(Array.from({ length: 2 * entries }, () => new Uint8Array([1])));
		// Every other item deleted, walking the list once: deleting by index looks each one up
		// from the start (minutes for 20,000). Yjs internals, fine for a test's builder.
		doc.transact((transaction) => {
			let item = log._start;
			for (let i = 0; item !== null; i++, item = item.right)
				if (i % 2 === 1) item.delete(transaction);
		});
	} else {
		log.push(Array.from({ length: entries }, (_, i) => new Uint8Array([i & 0xff])));
	}
	const payload = Y.encodeStateAsUpdate(doc);
	payloads.set(key, payload);
	return payload;
}

/**
 * What two writers taking turns leave in a log: `entries` items, each appended after the other
 * writer's last (every entry its own struct: items of two clients never merge), all deleted if
 * `deleted` (then each a deleted run; one delete range per writer). Encoded by hand (Yjs v1
 * update format) because Yjs itself takes minutes to build 100,000 of them by pushing.
 */
function alternatingAppends(entries: number, deleted: boolean): Uint8Array {
	const encoder = encoding.createEncoder();
	const clients = [12, 11].filter((_, i) => entries > 1 - i);
	encoding.writeVarUint(encoder, clients.length);
	for (const client of clients) {
		const mine = client === 11 ? Math.ceil(entries / 2) : Math.floor(entries / 2);
		encoding.writeVarUint(encoder, mine);
		encoding.writeVarUint(encoder, client);
		encoding.writeVarUint(encoder, 0);
		for (let k = 0; k < mine; k++) {
			const i = 2 * k + (client - 11); // position in the log
			const info = (deleted ? 1 : 3) | (i > 0 ? 0x80 : 0);
			encoding.writeUint8(encoder, info);
			if (i > 0) {
				// Origin: the entry before, by the other writer.
				encoding.writeVarUint(encoder, client === 11 ? 12 : 11);
				encoding.writeVarUint(encoder, Math.floor((i - 1) / 2));
			} else {
				encoding.writeVarUint(encoder, 1); // parent by name
				encoding.writeVarString(encoder, 'log');
			}
			if (deleted) encoding.writeVarUint(encoder, 1);
			else encoding.writeVarUint8Array(encoder, new Uint8Array([i & 0xff]));
		}
	}
	if (!deleted) {
		encoding.writeVarUint(encoder, 0);
		return encoding.toUint8Array(encoder);
	}
	encoding.writeVarUint(encoder, clients.length);
	for (const client of clients) {
		const mine = client === 11 ? Math.ceil(entries / 2) : Math.floor(entries / 2);
		encoding.writeVarUint(encoder, client);
		encoding.writeVarUint(encoder, 1);
		encoding.writeVarUint(encoder, 0);
		encoding.writeVarUint(encoder, mine);
	}
	return encoding.toUint8Array(encoder);
}

/** An update that writes somewhere no log has: a map, a text, a nested array. */
export function notALogUpdates(): Uint8Array[] {
	const out: Uint8Array[] = [];
	const make = (write: (doc: Y.Doc) => void) => {
		const doc = new Y.Doc();
		write(doc);
		out.push(Y.encodeStateAsUpdate(doc));
	};
	make((doc) => doc.getMap('log2').set('k', 1));
	make((doc) => doc.getText('other').insert(0, 'text'));
	make((doc) => doc.getArray('log').push([new Y.Array()]));
	make((doc) => doc.getArray('log').push([new Y.Doc()]));
	make((doc) => doc.getArray('elsewhere').push([new Uint8Array([1])]));
	return out;
}

/**
 * Updates Y.decodeUpdate reads but Y.applyUpdate throws on, halfway through integrating (found
 * by the fuzzer): an item whose origin is itself, one whose right origin is a later item of its
 * own client, and a delete-set range of length 0.
 */
export function yjsThrowingUpdates(): Uint8Array[] {
	const item = (origin: Y.ID | null, rightOrigin: Y.ID | null) => {
		const encoder = new Y.UpdateEncoderV1();
		encoding.writeVarUint(encoder.restEncoder, 1); // one client
		encoding.writeVarUint(encoder.restEncoder, 1); // one struct
		encoder.writeClient(5);
		encoding.writeVarUint(encoder.restEncoder, 0); // from clock 0
		const content = new Y.ContentBinary(new Uint8Array([1]));
		new Y.Item(Y.createID(5, 0), null, origin, null, rightOrigin, null, null, content).write(
			encoder,
			0
		);
		encoding.writeVarUint(encoder.restEncoder, 0); // an empty delete set
		return encoder.toUint8Array();
	};
	const emptyRange = encoding.createEncoder();
	encoding.writeVarUint(emptyRange, 0); // no structs
	for (const n of [1, 5, 1, 3, 0]) encoding.writeVarUint(emptyRange, n); // client 5: [3, 3+0)
	return [
		item(Y.createID(5, 0), null),
		item(null, Y.createID(5, 7)),
		encoding.toUint8Array(emptyRange)
	];
}

// ---- a seeded generator ----

/** Varint bytes cut short: every byte says "more follows". */
export const truncatedVarint = (length: number): Uint8Array => new Uint8Array(length).fill(0x80);

/**
 * One hostile message from `gen`: random bytes, valid messages mutated or cut short, truncated
 * varints, awareness JSON that is not JSON or the wrong shape, huge counts and lengths, floods,
 * many-entry updates, updates that are not a log. `valid` are real messages to mutate.
 */
export function randomMessage(gen: prng.PRNG, valid: Uint8Array[]): Uint8Array {
	const pick = prng.int32(gen, 0, 11);
	switch (pick) {
		case 0:
			return prng.uint8Array(gen, prng.int32(gen, 0, 64));
		case 1: {
			// A real message with a few bytes changed.
			const message = prng.oneOf(gen, valid).slice();
			for (let i = prng.int32(gen, 1, 4); i > 0 && message.length > 0; i--) {
				message[prng.int32(gen, 0, message.length - 1)] = prng.uint32(gen, 0, 255);
			}
			return message;
		}
		case 2: {
			const message = prng.oneOf(gen, valid);
			return message.slice(0, prng.int32(gen, 0, message.length));
		}
		case 3: {
			const head = new Uint8Array([prng.int32(gen, 0, 5), prng.int32(gen, 0, 3)]);
			const tail = truncatedVarint(prng.int32(gen, 1, 12));
			const out = new Uint8Array(head.length + tail.length);
			out.set(head);
			out.set(tail, head.length);
			return out;
		}
		case 4: {
			const texts = [
				'{"a":',
				'[1,2]',
				'42',
				'"s"',
				'{"s":42}',
				'{"s":"!!"}',
				'{"__proto__":{"polluted":1}}',
				'x'.repeat(9_000),
				JSON.stringify({ s: 'A'.repeat(prng.int32(gen, 0, 9_000)) })
			];
			return awarenessMessage(
				awarenessUpdate([
					{
						client: prng.uint32(gen, 0, 0xffffffff),
						clock: prng.int32(gen, 0, 1 << 30),
						json: prng.oneOf(gen, texts)
					}
				])
			);
		}
		case 5: {
			// A count far above what follows.
			const encoder = encoding.createEncoder();
			encoding.writeVarUint(encoder, MESSAGE.awareness);
			const inner = encoding.createEncoder();
			encoding.writeVarUint(inner, prng.int53(gen, 1_000, Number.MAX_SAFE_INTEGER));
			encoding.writeVarUint8Array(encoder, encoding.toUint8Array(inner));
			return encoding.toUint8Array(encoder);
		}
		case 6:
			// A payload length far above the message.
			return Uint8Array.from([0, 1, 0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2, 3]);
		case 7:
			return awarenessFlood(prng.int32(gen, 200, 1_100), prng.int32(gen, 10, 400));
		case 8:
			// Mostly small; now and then right at the caps (those cost tens of milliseconds).
			return manyEntryUpdate(
				prng.int32(gen, 0, 9) === 0
					? prng.oneOf(gen, [9_999, 10_001, 20_000])
					: prng.oneOf(gen, [1, 50, 500]),
				prng.oneOf(gen, ['binary', 'values', 'interleaved', 'deleted', 'ranges'] as const),
				prng.oneOf(gen, [SYNC.step2, SYNC.update])
			);
		case 9:
			return syncMessage(SYNC.update, prng.oneOf(gen, notALogUpdates()));
		case 10:
			return prng.bool(gen) ? queryAwareness() : Uint8Array.from([MESSAGE.bcPeerId, 1, 1, 120]);
		default:
			return syncMessage(prng.int32(gen, 0, 5), prng.uint8Array(gen, prng.int32(gen, 0, 40)));
	}
}
