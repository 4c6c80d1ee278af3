// One space on the network: y-webrtc's WebrtcProvider on the log doc (ciphertext only), room
// `cp1-<room>`, password b64url(relayKey), data channels wrapped so any message size crosses
// and every peer message is checked first. It reports one status the UI can say in words.
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import { WebrtcProvider } from 'y-webrtc';
import type * as Y from 'yjs';
import { toB64url } from '../crypto/bytes';
import type { RelayCapability } from '../crypto/capability';
import type { ChannelHooks } from './chunked-channel';
import { FirstSyncGate } from './first-sync-gate';
import type { NetworkConfig } from './network-config';
import { PeerGuard } from './peer-guard';
import { guardClient, onDropped, registerRoom, type GuardableClient } from './signaling-guard';
import type { Presence } from './presence';
import { chunkedWebRtc, type WebRtcClasses } from './webrtc-options';

export type SyncState = 'offline' | 'connecting' | 'alone' | 'syncing' | 'synced';

export interface SyncStatus {
	state: SyncState;
	/** Browsers connected directly (WebRTC). */
	peers: number;
	/** Other tabs of this browser with the space open. */
	tabs: number;
	signalingUp: number;
	signalingTotal: number;
	/** A big message on its way in (a first sync): bytes so far and in all. */
	receiving: { received: number; total: number } | null;
	/** Peer and signaling messages dropped as malformed or unopenable since opening. */
	dropped: number;
}

export interface TransportOptions {
	log: Y.Doc;
	cap: Pick<RelayCapability, 'room' | 'relayKey'>;
	network: NetworkConfig;
	presence: Presence;
	/** The platform's WebRTC classes (a browser's globals, or a Node library in tests). */
	webrtc?: WebRtcClasses;
	onStatus(status: SyncStatus): void;
}

/** Only big messages are worth a progress bar. */
const PROGRESS_FROM_BYTES = 256 * 1024;
const POLL_MS = 1_000;
/**
 * A connection attempt that has not opened by then is given up and made again. y-webrtc leaves
 * one hanging now and then (an offer answered into the void when two peers start at once);
 * without this the two would never meet until one reloads. Jittered, so two watchdogs do not
 * retry in lockstep.
 */
const STALLED_MS = 12_000;
const STALLED_JITTER_MS = 6_000;

interface SignalingClient {
	connected: boolean;
	on(event: 'connect' | 'disconnect', listener: () => void): void;
	off(event: 'connect' | 'disconnect', listener: () => void): void;
}

interface PeerConn {
	connected: boolean;
	synced: boolean;
	peer: { destroy(): void };
}

interface Room {
	webrtcConns: Map<string, PeerConn>;
	bcConns: Set<string>;
}

export function roomName(cap: Pick<RelayCapability, 'room'>): string {
	return `cp1-${cap.room}`;
}

export class SpaceTransport {
	readonly provider: WebrtcProvider;
	readonly #options: TransportOptions;
	readonly #signaling: SignalingClient[];
	#receiving: SyncStatus['receiving'] = null;
	#dropped = 0;
	#bytesReceived = 0;
	#last = '';
	readonly #attempts = new WeakMap<PeerConn, number>();
	#timer: ReturnType<typeof setInterval>;
	#destroyed = false;
	readonly #unguard: Array<() => void> = [];
	readonly #gate: FirstSyncGate;

	constructor(options: TransportOptions) {
		this.#options = options;
		this.#gate = new FirstSyncGate(() => {
			const encoder = encoding.createEncoder();
			encoding.writeVarUint(encoder, 0); // y-webrtc's messageSync
			syncProtocol.writeSyncStep1(encoder, options.log);
			return encoding.toUint8Array(encoder);
		});
		const webrtc = options.webrtc ?? browserWebRtc();
		const hooks = (): ChannelHooks => {
			const channel = {};
			const guard = new PeerGuard();
			return {
				accept: (message) => {
					const checked = guard.check(message);
					if (!checked.ok) {
						this.#dropped++;
						console.warn(`Dropped a peer message: ${checked.reason}`);
					} else {
						this.#bytesReceived += message.length;
						this.#gate.incoming(channel, message);
					}
					return checked.ok;
				},
				outgoing: (message, send) => this.#gate.outgoing(channel, message, send),
				onClose: () => this.#gate.closed(channel),
				onProgress: (received, total) => {
					if (total < PROGRESS_FROM_BYTES) return;
					this.#receiving = received < total ? { received, total } : null;
					this.#report();
				},
				onViolation: (reason) => {
					this.#dropped++;
					console.warn(`Closed a connection that broke the framing: ${reason}`);
				}
			};
		};
		this.provider = new WebrtcProvider(roomName(options.cap), options.log, {
			signaling: options.network.signaling,
			password: toB64url(options.cap.relayKey),
			awareness: options.presence.sealed,
			peerOpts: {
				config: { iceServers: options.network.iceServers },
				wrtc: webrtc === null ? undefined : chunkedWebRtc(webrtc, hooks)
			}
		});
		this.#signaling = this.provider.signalingConns as unknown as SignalingClient[];
		// Signaling servers are untrusted too: y-webrtc only sees what opens under the room key.
		this.#unguard.push(
			registerRoom(roomName(options.cap), this.provider.key),
			onDropped((reason) => {
				this.#dropped++;
				console.warn(`Ignored a signaling message: ${reason}`);
				this.#report();
			})
		);
		for (const client of this.#signaling) {
			guardClient(client as unknown as GuardableClient);
			client.on('connect', this.#report);
			client.on('disconnect', this.#report);
		}
		this.provider.on('peers', ({ removed }) => {
			// A peer that left mid-transfer leaves no progress behind.
			if (removed.length > 0) this.#receiving = null;
			this.#report();
		});
		this.provider.on('synced', this.#report);
		this.provider.on('status', this.#report);
		globalThis.addEventListener?.('online', this.#report);
		globalThis.addEventListener?.('offline', this.#report);
		// A peer's channel opening and its first sync have no event of their own on the provider.
		this.#timer = setInterval(() => {
			this.#giveUpStalled();
			this.#report();
		}, POLL_MS);
		this.#report();
	}

	/** Bytes of peer messages taken in since opening (for benchmarks and the curious). */
	get bytesReceived(): number {
		return this.#bytesReceived;
	}

	get status(): SyncStatus {
		const room = (this.provider as unknown as { room: Room | null }).room;
		const conns = room ? [...room.webrtcConns.values()].filter((conn) => conn.connected) : [];
		const peers = conns.length;
		const synced = peers > 0 && conns.every((conn) => conn.synced);
		const signalingUp = this.#signaling.filter((client) => client.connected).length;
		const online = globalThis.navigator?.onLine !== false;
		let state: SyncState;
		if (peers > 0) state = synced && this.#receiving === null ? 'synced' : 'syncing';
		else if (signalingUp > 0) state = 'alone';
		else state = online ? 'connecting' : 'offline';
		return {
			state,
			peers,
			tabs: room?.bcConns.size ?? 0,
			signalingUp,
			signalingTotal: this.#signaling.length,
			receiving: this.#receiving,
			dropped: this.#dropped
		};
	}

	#report = () => {
		if (this.#destroyed) return;
		const status = this.status;
		const key = JSON.stringify(status);
		if (key === this.#last) return;
		this.#last = key;
		this.#options.onStatus(status);
	};

	#giveUpStalled() {
		const room = (this.provider as unknown as { room: Room | null }).room;
		if (room === null) return;
		const now = Date.now();
		for (const conn of room.webrtcConns.values()) {
			if (conn.connected) continue;
			const started = this.#attempts.get(conn);
			if (started === undefined) {
				this.#attempts.set(conn, now + Math.random() * STALLED_JITTER_MS);
			} else if (now - started > STALLED_MS) {
				console.warn('A peer connection did not open; trying again');
				// y-webrtc forgets the connection on 'close' and announces itself again.
				conn.peer.destroy();
			}
		}
	}

	/** Resolves once the room is gone, so the same space can connect again. */
	async destroy(): Promise<void> {
		if (this.#destroyed) return;
		this.#destroyed = true;
		clearInterval(this.#timer);
		for (const client of this.#signaling) {
			client.off('connect', this.#report);
			client.off('disconnect', this.#report);
		}
		globalThis.removeEventListener?.('online', this.#report);
		globalThis.removeEventListener?.('offline', this.#report);
		for (const undo of this.#unguard) undo();
		this.#gate.destroy();
		this.provider.destroy();
		// y-webrtc removes the room once its key is derived; wait for that and one more turn.
		await this.provider.key;
		await new Promise((resolve) => setTimeout(resolve, 0));
	}
}

function browserWebRtc(): WebRtcClasses | null {
	if (typeof RTCPeerConnection === 'undefined') return null;
	return { RTCPeerConnection, RTCSessionDescription, RTCIceCandidate };
}
