// A guard between a signaling server and y-webrtc. A signaling server is untrusted: y-webrtc
// parses what it relays (lib0's client JSON-parses every frame; y-webrtc base64-decodes,
// decrypts and reads each `publish` for a room) in event handlers that throw, or reject
// unhandled, on junk. The guard reads each message first, the way y-webrtc will — JSON, then
// for our rooms base64, AES-GCM under the room key (y-webrtc's own envelope:
// varString('AES-GCM') ‖ varUint8Array(iv) ‖ varUint8Array(ciphertext), plaintext lib0 `any`),
// then the shape of an announce or signal — and hands y-webrtc only what passes.
// y-webrtc shares one client per URL between all its rooms, so the guard is installed on the
// client once and keeps its state on the client itself; each room registers its key and is told
// about the drops that concern it (a publish to it, or junk on a connection it uses).
import * as buffer from 'lib0/buffer';
import * as decoding from 'lib0/decoding';
import type { SignalingClient } from './y-webrtc-room';

const MAX_SIGNAL_CHARS = 64 * 1024;
const STATE = Symbol('commonplace-signaling-guard');

export type DropReason =
	| 'not-json'
	| 'not-an-object'
	| 'no-topic'
	| 'not-a-sealed-signal'
	| 'unknown-encryption'
	| 'does-not-open'
	| 'not-a-signal'
	| 'unknown-peer'
	| 'unexpected-signal'
	| 'unreadable';

/** An announce or a WebRTC signal, as it opened (shape checked). */
export interface SignalMessage {
	type: 'announce' | 'signal';
	from: string;
	to?: string;
	signal?: { type: 'offer' | 'answer' | 'candidate' | 'renegotiate' | 'transceiverRequest' };
}

/** A room's own say on a message that opened: null lets it through, a reason drops it. */
export type Admit = (message: SignalMessage) => DropReason | null;

interface Registration {
	key: PromiseLike<CryptoKey | null>;
	onDrop: (reason: DropReason) => void;
	admit: Admit | undefined;
}

type Guarded = SignalingClient & { [STATE]?: Map<string, Registration> };

/**
 * Guards `client` (once) and registers `room` on it: y-webrtc sees a publish for `room` only if
 * it opens under `key` and `admit` (when given) lets it through; `onDrop` hears every message
 * dropped that concerns this room. Returns an unregister.
 */
export function guardRoom(
	client: SignalingClient,
	room: string,
	key: PromiseLike<CryptoKey | null>,
	onDrop: (reason: DropReason) => void,
	admit?: Admit
): () => void {
	const guarded = client as Guarded;
	let rooms = guarded[STATE];
	if (rooms === undefined) {
		rooms = new Map();
		guarded[STATE] = rooms;
		install(guarded, rooms);
	}
	const registration = { key, onDrop, admit };
	rooms.set(room, registration);
	return () => {
		if (rooms.get(room) === registration) rooms.delete(room);
	};
}

function install(client: Guarded, rooms: Map<string, Registration>) {
	const everyone = (reason: DropReason) => {
		for (const { onDrop } of rooms.values()) onDrop(reason);
	};
	const emit = client.emit.bind(client);
	client.emit = (name, args) => {
		if (name !== 'message') return emit(name, args);
		void check(rooms, args[0]).then(
			(verdict) => {
				if (verdict === true) emit(name, args);
				else if (verdict.topic === null) everyone(verdict.reason);
				else rooms.get(verdict.topic)?.onDrop(verdict.reason);
			},
			() => everyone('unreadable')
		);
	};
	// lib0 JSON-parses every text frame before anything can look at it: guard the socket too.
	const wrapSocket = () => {
		const socket = client.ws;
		const handler = socket?.onmessage;
		if (!socket || !handler || (handler as { guarded?: boolean }).guarded) return;
		const guardedHandler = (event: MessageEvent) => {
			if (typeof event.data === 'string') {
				try {
					JSON.parse(event.data);
				} catch {
					// reason: not JSON is exactly what we drop here.
					return everyone('not-json');
				}
			}
			handler.call(socket, event);
		};
		(guardedHandler as { guarded?: boolean }).guarded = true;
		socket.onmessage = guardedHandler;
	};
	wrapSocket();
	client.on('connect', wrapSocket);
	// y-webrtc encrypts a signaling message and sends it when the encryption resolves, by which
	// time the socket may be reconnecting: lib0 then throws inside y-webrtc's promise (an
	// unhandled rejection). Such a message is dropped; y-webrtc announces itself again on connect.
	const send = client.send.bind(client);
	client.send = (message) => {
		if (client.ws?.readyState !== 1) return;
		try {
			send(message);
		} catch {
			// reason: the socket closed between the check and the send; same as above.
		}
	};
}

type Verdict = true | { topic: string | null; reason: DropReason };

async function check(rooms: Map<string, Registration>, message: unknown): Promise<Verdict> {
	if (typeof message !== 'object' || message === null) {
		return { topic: null, reason: 'not-an-object' };
	}
	const { type, topic, data } = message as Record<string, unknown>;
	if (type !== 'publish') return true; // pong and the like: y-webrtc reads nothing else
	if (typeof topic !== 'string') return { topic: null, reason: 'no-topic' };
	const registration = rooms.get(topic);
	if (registration === undefined) return true; // not a room of ours: y-webrtc ignores it
	const roomKey = await registration.key;
	if (roomKey === null) return true;
	const drop = (reason: DropReason): Verdict => ({ topic, reason });
	if (typeof data !== 'string' || data.length > MAX_SIGNAL_CHARS)
		return drop('not-a-sealed-signal');
	let plain: unknown;
	try {
		const decoder = decoding.createDecoder(buffer.fromBase64(data));
		if (decoding.readVarString(decoder) !== 'AES-GCM') return drop('unknown-encryption');
		const iv = decoding.readVarUint8Array(decoder);
		const cipher = decoding.readVarUint8Array(decoder);
		const opened = await crypto.subtle.decrypt(
			{ name: 'AES-GCM', iv: iv as Uint8Array<ArrayBuffer> },
			roomKey,
			cipher as Uint8Array<ArrayBuffer>
		);
		plain = decoding.readAny(decoding.createDecoder(new Uint8Array(opened)));
	} catch {
		// reason: any failure to decode or open means another key or junk; dropped either way.
		return drop('does-not-open');
	}
	if (!isSignal(plain)) return drop('not-a-signal');
	const refused = registration.admit?.(plain) ?? null;
	return refused === null ? true : drop(refused);
}

function isSignal(value: unknown): value is SignalMessage {
	if (typeof value !== 'object' || value === null) return false;
	const { type, from, to, signal } = value as Record<string, unknown>;
	if (typeof from !== 'string') return false;
	if (type === 'announce') return true;
	if (type !== 'signal' || typeof to !== 'string') return false;
	if (typeof signal !== 'object' || signal === null) return false;
	const { type: kind, sdp, candidate } = signal as Record<string, unknown>;
	if (kind === 'offer' || kind === 'answer') return typeof sdp === 'string';
	if (kind === 'candidate') return typeof candidate === 'object' && candidate !== null;
	// simple-peer also signals renegotiation and transceiver requests
	return kind === 'renegotiate' || kind === 'transceiverRequest';
}
