// Clients for the load harness (bench/load/run.js), compiled for Node with the app's own code:
// a member of a space on a Commonplace relay (the relay protocol through sync/relay-session.ts,
// real signed envelopes appended as the app appends them), and a client of y-websocket's server
// (the y-protocols sync of a plain Y.Doc, as y-websocket's provider speaks it, without
// awareness). Both report, for each update that reaches them from another client, the key the
// sender gave it, so the worker can time publish → delivery.
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import { fromHex, toHex } from '../../src/lib/crypto/bytes';
import { fromSecret, toRelay, type EditCapability } from '../../src/lib/crypto/capability';
import * as envelope from '../../src/lib/crypto/envelope';
import { createSigner, type Signer } from '../../src/lib/crypto/signing';
import { appendEntries, createLogDoc, logArray } from '../../src/lib/log/log-doc';
import { RelaySession } from '../../src/lib/sync/relay-session';

export interface LoadClient {
	/** Resolves once the client may send (joined and first sync done). */
	ready: Promise<void>;
	/** Prepares `count` updates of about `bytes` bytes (sealing is not what is measured). */
	prepare(count: number, bytes: number): Promise<void>;
	/** Sends the next prepared update; returns its key. */
	send(): string;
	/** Called with the key of every update that arrives from someone else. */
	onDeliver: (key: string) => void;
	close(): void;
}

/** A key for an entry: its last 12 bytes (the tail of a signature, or random bytes). */
const keyOf = (bytes: Uint8Array) => toHex(bytes.subarray(bytes.length - 12));

function watch(array: Y.Array<Uint8Array>, client: LoadClient) {
	array.observe((event) => {
		if (event.transaction.local) return;
		for (const item of event.changes.added) {
			for (const value of item.content.getContent() as Uint8Array[]) client.onDeliver(keyOf(value));
		}
	});
}

/** A space every client of one room shares: its edit capability and signer. */
export interface SpaceKeys {
	cap: EditCapability;
	signer: Signer;
}

export async function spaceKeys(secretHex: string): Promise<SpaceKeys> {
	const cap = fromSecret(fromHex(secretHex) as Uint8Array);
	return { cap, signer: await createSigner(cap.signSeed) };
}

/** A member of a space on a Commonplace relay (`ws://…/relay`). */
export function relayClient(url: string, space: SpaceKeys, keep: boolean): LoadClient {
	const log = createLogDoc();
	const socket = new WebSocket(url);
	socket.binaryType = 'arraybuffer';
	let sealed: Uint8Array[] = [];
	const session = new RelaySession({
		log,
		cap: toRelay(space.cap),
		keep,
		send: (bytes) => {
			if (socket.readyState === socket.OPEN) socket.send(bytes);
		}
	});
	const client: LoadClient = {
		ready: new Promise((resolve, reject) => {
			session.once('kept', () => resolve());
			session.once('refused', (code) => reject(new Error(`refused: ${code}`)));
			socket.once('error', reject);
		}),
		async prepare(count, bytes) {
			sealed = [];
			for (let i = 0; i < count; i++) {
				const body = crypto.getRandomValues(new Uint8Array(bytes));
				sealed.push(await envelope.seal(space.cap, space.signer, envelope.KIND_UPDATE, body));
			}
		},
		send() {
			const entry = sealed.shift();
			if (entry === undefined) throw new Error('nothing prepared');
			log.transact(() => appendEntries(log, [entry]));
			return keyOf(entry);
		},
		onDeliver: () => {},
		close() {
			session.destroy();
			socket.close();
		}
	};
	socket.on('message', (data: ArrayBuffer) => session.receive(new Uint8Array(data)));
	watch(logArray(log), client);
	return client;
}

const MESSAGE_SYNC = 0;

/** A client of y-websocket's server (`ws://…/<room>`): a plain Y.Doc, updates as binaries. */
export function yWebsocketClient(url: string): LoadClient {
	const doc = new Y.Doc();
	const array = doc.getArray<Uint8Array>('load');
	const socket = new WebSocket(url);
	socket.binaryType = 'arraybuffer';
	const origin = {};
	let synced = false;
	let pending: Uint8Array[] = [];
	const post = (write: (encoder: encoding.Encoder) => void) => {
		const encoder = encoding.createEncoder();
		encoding.writeVarUint(encoder, MESSAGE_SYNC);
		write(encoder);
		if (socket.readyState === socket.OPEN) socket.send(encoding.toUint8Array(encoder));
	};
	let markReady: () => void = () => {};
	const client: LoadClient = {
		ready: new Promise((resolve, reject) => {
			markReady = resolve;
			socket.once('error', reject);
		}),
		async prepare(count, bytes) {
			pending = Array.from({ length: count }, () => crypto.getRandomValues(new Uint8Array(bytes)));
		},
		send() {
			const value = pending.shift();
			if (value === undefined) throw new Error('nothing prepared');
			array.push([value]);
			return keyOf(value);
		},
		onDeliver: () => {},
		close() {
			socket.close();
		}
	};
	socket.on('open', () => post((encoder) => syncProtocol.writeSyncStep1(encoder, doc)));
	socket.on('message', (data: ArrayBuffer) => {
		const decoder = decoding.createDecoder(new Uint8Array(data));
		if (decoding.readVarUint(decoder) !== MESSAGE_SYNC) return; // awareness: not used here
		const reply = encoding.createEncoder();
		const type = syncProtocol.readSyncMessage(decoder, reply, doc, origin);
		if (encoding.length(reply) > 0) {
			post((encoder) => encoding.writeUint8Array(encoder, encoding.toUint8Array(reply)));
		}
		if (type === syncProtocol.messageYjsSyncStep2 && !synced) {
			synced = true;
			markReady();
		}
	});
	doc.on('update', (update: Uint8Array, from: unknown) => {
		if (from !== origin) post((encoder) => syncProtocol.writeUpdate(encoder, update));
	});
	watch(array, client);
	return client;
}

/**
 * A client of a y-webrtc signaling server (ours, or y-webrtc's `bin/server.js`): subscribed to
 * one topic; each update is a `publish` of about `bytes` bytes (a sealed announce or signal is a
 * few hundred). Every subscriber gets every publish, the sender too; it ignores its own.
 */
export function signalingClient(url: string, topic: string): LoadClient {
	const socket = new WebSocket(url);
	const own = new Set<string>();
	let prepared: string[] = [];
	let counter = 0;
	const id = toHex(crypto.getRandomValues(new Uint8Array(6)));
	let markReady: () => void = () => {};
	const client: LoadClient = {
		ready: new Promise((resolve, reject) => {
			markReady = resolve;
			socket.once('error', reject);
		}),
		async prepare(count, bytes) {
			const pad = 'x'.repeat(Math.max(0, bytes - 40));
			prepared = Array.from({ length: count }, () => {
				const key = `${id}-${counter++}`;
				return JSON.stringify({ type: 'publish', topic, data: { k: key, pad } });
			});
		},
		send() {
			const frame = prepared.shift();
			if (frame === undefined) throw new Error('nothing prepared');
			const key = (JSON.parse(frame) as { data: { k: string } }).data.k;
			own.add(key);
			socket.send(frame);
			return key;
		},
		onDeliver: () => {},
		close() {
			socket.close();
		}
	};
	socket.on('open', () => {
		socket.send(JSON.stringify({ type: 'subscribe', topics: [topic] }));
		// Answered after the subscribe is handled: then the client is in the topic.
		socket.send(JSON.stringify({ type: 'ping' }));
	});
	socket.on('message', (data: Buffer) => {
		let message: { type?: string; data?: { k?: unknown } };
		try {
			message = JSON.parse(data.toString());
		} catch {
			return;
		}
		if (message.type === 'pong') return markReady();
		const key = message.data?.k;
		if (message.type === 'publish' && typeof key === 'string' && !own.has(key))
			client.onDeliver(key);
	});
	return client;
}
