// The one place that reaches into y-webrtc's private fields. y-webrtc does not expose its room
// (peer id, connections, BroadcastChannel peers) or its signaling clients; what the WebRTC
// transport needs of them is wrapped here, typed, and tested (tests/unit/y-webrtc-room.test.ts),
// so an upgrade that moves them breaks one file and its test, not the app.
import * as bc from 'lib0/broadcastchannel';
import type { WebrtcProvider } from 'y-webrtc';

/** The part of y-webrtc's SignalingConn (a lib0 WebsocketClient) we use. */
export interface SignalingClient {
	readonly url: string;
	connected: boolean;
	ws: WebSocket | null;
	emit(name: string, args: unknown[]): void;
	send(message: unknown): void;
	on(event: string, listener: (...args: unknown[]) => void): void;
	off(event: string, listener: (...args: unknown[]) => void): void;
}

/** One WebRTC connection as y-webrtc keeps it (its peer: sync/simple-peer-lite.ts). */
export interface PeerConnection {
	readonly remotePeerId: string;
	connected: boolean;
	peer: { readonly initiator: boolean; destroy(): void };
}

interface Room {
	peerId: string;
	name: string;
	webrtcConns: Map<string, PeerConnection>;
	bcConns: Set<string>;
	bcconnected: boolean;
	_bcSubscriber: (data: ArrayBuffer) => void;
}

// reason: y-webrtc's typings declare neither `room` nor the shape of `signalingConns`.
const roomOf = (provider: WebrtcProvider): Room | null =>
	(provider as unknown as { room: Room | null }).room;

/** The signaling clients this provider uses (shared with other providers on the same URLs). */
export function signalingClients(provider: WebrtcProvider): SignalingClient[] {
	return provider.signalingConns as unknown as SignalingClient[];
}

/** This provider's peer id in its room (what others announce to), once the room exists. */
export function peerId(provider: WebrtcProvider): string | null {
	return roomOf(provider)?.peerId ?? null;
}

/** How many WebRTC connections this provider makes at most (y-webrtc's `maxConns`). */
export function maxConnections(provider: WebrtcProvider): number {
	// reason: y-webrtc's typings do not declare `maxConns`.
	return (provider as unknown as { maxConns: number }).maxConns;
}

/** The room's WebRTC connections, opened or not. */
export function connections(provider: WebrtcProvider): PeerConnection[] {
	return [...(roomOf(provider)?.webrtcConns.values() ?? [])];
}

/**
 * Stops y-webrtc's own BroadcastChannel: other tabs get the log (and presence) through the tabs
 * transport instead, so it crosses between tabs one way. Call once the room exists (after
 * `provider.key` resolves); returns false when it does not yet.
 */
export function stopBroadcastChannel(provider: WebrtcProvider): boolean {
	const room = roomOf(provider);
	if (room === null) return false;
	if (room.bcconnected) {
		bc.unsubscribe(room.name, room._bcSubscriber);
		room.bcconnected = false;
	}
	return true;
}

/** Whether y-webrtc ignores this peer (one of this browser's tabs: see `ignorePeers`). */
export function isIgnored(provider: WebrtcProvider, id: string): boolean {
	return roomOf(provider)?.bcConns.has(id) ?? false;
}

/**
 * Peers y-webrtc must not connect to over WebRTC: this browser's other tabs, which the tabs
 * transport already carries. (y-webrtc skips announces and signals from its `bcConns`.)
 */
export function ignorePeers(provider: WebrtcProvider, ids: Iterable<string>): void {
	const room = roomOf(provider);
	if (room === null) return;
	for (const id of ids) {
		if (id === room.peerId) continue;
		room.bcConns.add(id);
		// One made before we knew it was a tab goes: the tabs transport carries that tab.
		room.webrtcConns.get(id)?.peer.destroy();
	}
}
