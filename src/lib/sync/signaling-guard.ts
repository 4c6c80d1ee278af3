// A guard between a signaling server and y-webrtc. A signaling server is untrusted: y-webrtc
// parses what it relays (lib0's client JSON-parses every frame; y-webrtc base64-decodes,
// decrypts and reads each `publish` for a room) in event handlers that throw, or reject
// unhandled, on junk. This guard reads each message first, the way y-webrtc will — JSON, then
// for our rooms base64, AES-GCM under the room key (y-webrtc's own envelope:
// varString('AES-GCM') ‖ varUint8Array(iv) ‖ varUint8Array(ciphertext), plaintext lib0 `any`),
// then the shape of an announce or signal — and hands y-webrtc only what passes.
import * as buffer from 'lib0/buffer';
import * as decoding from 'lib0/decoding';

/** The part of y-webrtc's SignalingConn (a lib0 WebsocketClient) the guard touches. */
export interface GuardableClient {
	ws: WebSocket | null;
	emit(name: string, args: unknown[]): void;
	on(name: 'connect', listener: () => void): void;
}

const MAX_SIGNAL_CHARS = 64 * 1024;
const rooms = new Map<string, PromiseLike<CryptoKey | null>>();
const guarded = new WeakSet<GuardableClient>();
const listeners = new Set<(reason: string) => void>();

/** Messages for `name` are only passed on once they open under `key`. */
export function registerRoom(name: string, key: PromiseLike<CryptoKey | null>): () => void {
	rooms.set(name, key);
	return () => {
		if (rooms.get(name) === key) rooms.delete(name);
	};
}

/** Called with a reason for every message dropped, by any guarded client. */
export function onDropped(listener: (reason: string) => void): () => void {
	listeners.add(listener);
	return () => listeners.delete(listener);
}

function drop(reason: string) {
	for (const listener of listeners) listener(reason);
}

/** Installs the guard on a client once (clients are shared by every room on one URL). */
export function guardClient(client: GuardableClient) {
	if (guarded.has(client)) return;
	guarded.add(client);
	const emit = client.emit.bind(client);
	client.emit = (name, args) => {
		if (name !== 'message') return emit(name, args);
		void check(args[0]).then(
			(ok) => {
				if (ok) emit(name, args);
			},
			(error: unknown) => drop(`unreadable (${String(error)})`)
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
					return drop('not JSON');
				}
			}
			handler.call(socket, event);
		};
		(guardedHandler as { guarded?: boolean }).guarded = true;
		socket.onmessage = guardedHandler;
	};
	wrapSocket();
	client.on('connect', wrapSocket);
}

async function check(message: unknown): Promise<boolean> {
	if (typeof message !== 'object' || message === null) return fail('not an object');
	const { type, topic, data } = message as Record<string, unknown>;
	if (type !== 'publish') return true; // pong and the like: y-webrtc reads nothing else
	if (typeof topic !== 'string') return fail('a publish without a topic');
	const key = rooms.get(topic);
	if (key === undefined) return true; // not a room of ours: y-webrtc ignores it
	const roomKey = await key;
	if (roomKey === null) return true;
	if (typeof data !== 'string' || data.length > MAX_SIGNAL_CHARS)
		return fail('not a sealed signal');
	let plain: unknown;
	try {
		const decoder = decoding.createDecoder(buffer.fromBase64(data));
		if (decoding.readVarString(decoder) !== 'AES-GCM') return fail('unknown encryption');
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
		return fail('does not open under the room key');
	}
	return isSignal(plain) ? true : fail('opens, but is not an announce or a signal');
}

function fail(reason: string): false {
	drop(reason);
	return false;
}

function isSignal(value: unknown): boolean {
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
