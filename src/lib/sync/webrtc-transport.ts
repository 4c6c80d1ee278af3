// The log over WebRTC peers: y-webrtc's WebrtcProvider on the log doc (ciphertext only), room
// `cp1-<room>`, password b64url(relayKey). Every data channel is wrapped (webrtc-options.ts) so
// messages of any size cross and every message is checked (peer-guard.ts) before y-webrtc reads
// it; one first sync at a time (first-sync-gate.ts); a ledger per channel (ledger.ts) records
// what the peer holds from the messages that cross, so "in sync" is a fact. y-webrtc's own
// BroadcastChannel is off: other tabs are the tabs transport's. y-webrtc's private fields are
// reached only through y-webrtc-room.ts.
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { ObservableV2 } from 'lib0/observable';
import type { Awareness } from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import { WebrtcProvider } from 'y-webrtc';
import * as Y from 'yjs';
import { toB64url } from '../crypto/bytes';
import type { RelayCapability } from '../crypto/capability';
import type { ChannelHooks } from './chunked-channel';
import { logGate, step1, type FirstSyncGate } from './first-sync-gate';
import { PeerLedger } from './ledger';
import {
	idleStatus,
	sameStatus,
	type LogTransport,
	type TransportEvents,
	type TransportStatus
} from './log-transport';
import type { NetworkConfig } from './network-config';
import { PeerGuard, ANSWER_INTERVAL_MS } from './peer-guard';
import { quietWarn } from './quiet-warn';
import { guardRoom, type Admit } from './signaling-guard';
import { chunkedWebRtc, type WebRtcClasses } from './webrtc-options';
import * as room from './y-webrtc-room';

export interface WebrtcTransportOptions {
	log: Y.Doc;
	cap: Pick<RelayCapability, 'room' | 'relayKey'>;
	network: NetworkConfig;
	/** The sealed presence y-webrtc carries. */
	awareness: Awareness;
	/** The platform's WebRTC classes (a browser's globals, or a Node library in tests). */
	webrtc?: WebRtcClasses | null;
	/**
	 * One first sync at a time, shared with the space's other transports (relays); its owner
	 * destroys it. Without one, the transport has its own.
	 */
	gate?: FirstSyncGate;
}

/** Only big messages are worth a progress bar. */
const PROGRESS_FROM_BYTES = 256 * 1024;
const POLL_MS = 1_000;
/**
 * A connection attempt that has not opened by then is given up and made again. y-webrtc leaves
 * one hanging now and then (an offer answered into the void when two peers start at once);
 * jittered, so two watchdogs do not retry in lockstep.
 */
const STALLED_MS = 12_000;
const STALLED_JITTER_MS = 6_000;
/**
 * A peer that has not been in sync for this long, with nothing crossing, is asked again what it
 * holds and sent what it lacks. Longer than the interval a peer answers a sync step 1 at most.
 */
const RESYNC_MS = ANSWER_INTERVAL_MS + 1_000;

/**
 * How long what a new peer signals after its offer is let through without a connection (see
 * WebrtcTransport#admit): y-webrtc makes the connection as soon as it has read the offer.
 */
const OFFERED_MS = 1_000;
const MESSAGE_SYNC = 0;

interface Channel {
	ledger: PeerLedger;
	open: boolean;
	send: ((message: Uint8Array) => void) | null;
	/** When anything last crossed, and when we last asked again. */
	lastTraffic: number;
	lastResync: number;
	/** What this peer may send over time; it learns of each sync step 1 we send it. */
	guard: PeerGuard;
}

export function roomName(cap: Pick<RelayCapability, 'room'>): string {
	return `cp1-${cap.room}`;
}

export class WebrtcTransport extends ObservableV2<TransportEvents> implements LogTransport {
	readonly kind = 'webrtc';
	readonly provider: WebrtcProvider;
	readonly #log: Y.Doc;
	readonly #channels = new Set<Channel>();
	readonly #gate: FirstSyncGate;
	readonly #ownGate: boolean;
	readonly #attempts = new WeakMap<room.PeerConnection, number>();
	readonly #unguard: Array<() => void> = [];
	#ignored: string[] = [];
	#receiving: TransportStatus['receiving'] = null;
	#dropped = 0;
	#bytesReceived = 0;
	#status: TransportStatus = idleStatus('webrtc');
	#timer: ReturnType<typeof setInterval>;
	#reportQueued = false;
	#closing: Promise<void> | null = null;
	/** What strangers' messages make us say, at most once a minute each (quiet-warn.ts). */
	readonly #warn = quietWarn();
	/** Peers whose offer was let through lately, by id: when (see #admit). */
	readonly #offered = new Map<string, number>();
	/** Connections (their peers) that were let their one answer through (see #admit): when. */
	readonly #answered = new WeakMap<object, number>();

	constructor(options: WebrtcTransportOptions) {
		super();
		this.#log = options.log;
		this.#ownGate = options.gate === undefined;
		this.#gate = options.gate ?? logGate(options.log);
		const webrtc = options.webrtc === undefined ? browserWebRtc() : options.webrtc;
		const name = roomName(options.cap);
		this.provider = new WebrtcProvider(name, options.log, {
			signaling: options.network.signaling,
			password: toB64url(options.cap.relayKey),
			awareness: options.awareness,
			peerOpts: {
				config: { iceServers: options.network.iceServers },
				wrtc: webrtc === null ? undefined : chunkedWebRtc(webrtc, () => this.#hooks())
			}
		});
		// Signaling servers are untrusted too: y-webrtc only sees what opens under the room key.
		for (const client of room.signalingClients(this.provider)) {
			this.#unguard.push(
				guardRoom(
					client,
					name,
					this.provider.key,
					(reason) => {
						this.#dropped++;
						this.#warn(`Ignored a signaling message: ${reason}`);
						this.#report();
					},
					this.#admit
				)
			);
			client.on('connect', this.#report);
			client.on('disconnect', this.#report);
			this.#unguard.push(() => {
				client.off('connect', this.#report);
				client.off('disconnect', this.#report);
			});
		}
		// Once y-webrtc has made its room: tabs are not its business.
		void this.provider.key.then(() => {
			if (this.#closing !== null) return;
			room.stopBroadcastChannel(this.provider);
			room.ignorePeers(this.provider, this.#ignored);
			this.emit('status', [this.status]);
		});
		this.provider.on('peers', this.#onPeers);
		globalThis.addEventListener?.('online', this.#report);
		globalThis.addEventListener?.('offline', this.#report);
		this.#timer = setInterval(this.#poll, POLL_MS);
		this.#report();
	}

	/** This tab's id in the room, once the room exists (other tabs pass it to `ignorePeers`). */
	get peerId(): string | null {
		return room.peerId(this.provider);
	}

	/** Peers not to connect to over WebRTC: this browser's other tabs. */
	ignorePeers(ids: Iterable<string>): void {
		this.#ignored = [...ids];
		room.ignorePeers(this.provider, this.#ignored);
	}

	/**
	 * Sends bytes of our own to every connected peer, as they are (framed like any message): how a
	 * peer asks again, and how tests play a hostile peer.
	 */
	sendRaw(message: Uint8Array): void {
		for (const channel of this.#channels) channel.send?.(message);
	}

	/** Bytes of peer messages taken in since opening (for benchmarks and the curious). */
	get bytesReceived(): number {
		return this.#bytesReceived;
	}

	get status(): TransportStatus {
		return this.#status;
	}

	override destroy(): Promise<void> {
		this.#closing ??= this.#close();
		return this.#closing;
	}

	async #close() {
		clearInterval(this.#timer);
		globalThis.removeEventListener?.('online', this.#report);
		globalThis.removeEventListener?.('offline', this.#report);
		this.provider.off('peers', this.#onPeers);
		for (const undo of this.#unguard) undo();
		// A shared gate lives on: it only forgets our channels, so nobody waits for them.
		if (this.#ownGate) this.#gate.destroy();
		else for (const channel of this.#channels) this.#gate.closed(channel);
		this.#channels.clear();
		this.provider.destroy();
		// y-webrtc removes the room once its key is derived; wait for that and one more turn, so
		// the same space can connect again.
		await this.provider.key;
		await new Promise((resolve) => setTimeout(resolve, 0));
		super.destroy();
	}

	/** The hooks of one data channel (one peer connection): checks, ledger, gate, progress. */
	#hooks(): ChannelHooks {
		const channel: Channel = {
			ledger: new PeerLedger(this.#log),
			open: false,
			send: null,
			lastTraffic: Date.now(),
			lastResync: Date.now(),
			guard: new PeerGuard(Date.now, this.#log)
		};
		const { guard } = channel;
		this.#channels.add(channel);
		return {
			accept: (message) => {
				const checked = guard.check(message);
				// Even a refused answer ends the wait for it: the next peer is asked.
				if (!checked.ok) this.#gate.incoming(channel, message);
				if (!checked.ok) {
					this.#dropped++;
					this.#warn(`Dropped a peer message: ${checked.reason}`);
					this.#report();
					return false;
				}
				this.#bytesReceived += message.length;
				this.#gate.incoming(channel, message);
				this.#crossed(channel, message);
				return true;
			},
			outgoing: (message, send) => {
				const proceed = this.#gate.outgoing(channel, message, (fresh) => {
					send(fresh);
					guard.sent(fresh);
					this.#crossed(channel, fresh);
				});
				if (proceed) {
					guard.sent(message);
					this.#crossed(channel, message);
				}
				return proceed;
			},
			onOpen: (send) => {
				channel.open = true;
				channel.send = send;
				this.#report();
			},
			onClose: () => {
				this.#gate.closed(channel);
				this.#channels.delete(channel);
				// A peer that left mid-transfer leaves no progress behind.
				this.#receiving = null;
				this.#report();
			},
			onProgress: (received, total) => {
				if (total < PROGRESS_FROM_BYTES) return;
				this.#receiving = received < total ? { received, total } : null;
				this.#report();
			},
			onViolation: (reason) => {
				this.#dropped++;
				this.#warn(`Closed a connection that broke the framing: ${reason}`);
			}
		};
	}

	/** A sync message crossed this channel (either way): the peer's ledger learns from it. */
	#crossed(channel: Channel, message: Uint8Array) {
		if (message[0] !== MESSAGE_SYNC) return;
		channel.lastTraffic = Date.now();
		try {
			const decoder = decoding.createDecoder(message);
			decoding.readVarUint(decoder);
			const type = decoding.readVarUint(decoder);
			const payload = decoding.readVarUint8Array(decoder);
			if (type === syncProtocol.messageYjsSyncStep1) {
				channel.ledger.stateVector(Y.decodeStateVector(payload));
			} else channel.ledger.update(payload);
		} catch {
			// reason: checked before it got here (incoming) or made by y-webrtc (outgoing).
			return;
		}
		this.#report();
	}

	#onPeers = () => this.#report();

	/**
	 * What of a peer's signals y-webrtc may act on. Signals go to a peer connection by the
	 * sender's id, which nobody vouches for, so:
	 * - no offer or answer once that connection is open (y-webrtc needs none, and a forged
	 *   one would close an honest connection); candidates still (trickle ICE sends some late);
	 * - an answer only to a connection that made an offer, and only one (y-webrtc throws on an
	 *   answer with no connection, which a second one finds after the first closed it);
	 * - from an id with no connection: an offer while there is room (else the oldest connection
	 *   that never opened, and is not about to read an answer, makes room), and what follows
	 *   that offer for OFFERED_MS (its candidates come right behind it, before y-webrtc has read
	 *   the offer); nothing else (each would make a new RTCPeerConnection, past maxConns, which
	 *   y-webrtc checks only for announces).
	 */
	#admit: Admit = (message) => {
		if (message.type !== 'signal' || message.signal === undefined) return null;
		const self = room.peerId(this.provider);
		// y-webrtc reads no further than this: not to us, our own, or from one of our tabs.
		if (message.to !== self || message.from === self) return null;
		if (room.isIgnored(this.provider, message.from)) return null;
		const connections = room.connections(this.provider);
		const kind = message.signal.type;
		const connection = connections.find((each) => each.remotePeerId === message.from);
		if (connection !== undefined) {
			// A candidate can do no harm (at worst one path fewer); a description can end it.
			const description = kind === 'offer' || kind === 'answer';
			if (connection.connected) return description ? 'unexpected-signal' : null;
			if (kind !== 'answer') return null;
			if (!connection.peer.initiator || this.#answered.has(connection.peer)) {
				return 'unexpected-signal';
			}
			this.#answered.set(connection.peer, performance.now());
			return null;
		}
		if (kind === 'answer') return 'unknown-peer';
		const now = performance.now();
		for (const [id, at] of this.#offered) {
			const made = connections.some((each) => each.remotePeerId === id);
			// Made: it counts among the connections now. Not made by now: it failed, or closed.
			if (made || now - at > OFFERED_MS) this.#offered.delete(id);
		}
		if (kind !== 'offer') return this.#offered.has(message.from) ? null : 'unknown-peer';
		if (connections.length + this.#offered.size >= room.maxConnections(this.provider)) {
			const stale = connections.find((each) => !each.connected && !this.#answering(each.peer));
			if (stale === undefined) return 'unknown-peer';
			stale.peer.destroy(); // y-webrtc lets it go (and says so) once it has closed
		}
		this.#offered.set(message.from, now);
		return null;
	};

	/**
	 * Whether an answer was let through to this peer's connection a moment ago: y-webrtc has yet
	 * to read it (it opens each signal again), and reading it finds the connection by id, so the
	 * connection must still be there (it throws on a missing one). Nothing closes it until then.
	 */
	#answering(peer: object): boolean {
		const at = this.#answered.get(peer);
		return at !== undefined && performance.now() - at < OFFERED_MS;
	}

	/** Recomputes the status after the current burst of messages, and says if it changed. */
	#report = () => {
		if (this.#reportQueued || this.#closing !== null) return;
		this.#reportQueued = true;
		setTimeout(() => {
			this.#reportQueued = false;
			if (this.#closing !== null) return;
			const status = this.#compute();
			if (sameStatus(status, this.#status)) return;
			this.#status = status;
			this.emit('status', [status]);
		}, 50);
	};

	#compute(): TransportStatus {
		const open = [...this.#channels].filter((channel) => channel.open);
		const clients = room.signalingClients(this.provider);
		const up = clients.filter((client) => client.connected).length;
		return {
			kind: 'webrtc',
			connected: up > 0 || open.length > 0,
			peers: open.length,
			inSync: open.filter((channel) => channel.ledger.inSync()).length,
			receiving: this.#receiving,
			dropped: this.#dropped,
			servers: { up, total: clients.length }
		};
	}

	#poll = () => {
		this.#giveUpStalled();
		this.#resync();
		this.#report();
	};

	/** A peer out of step for a while with nothing crossing: ask again, send what it lacks. */
	#resync() {
		const now = Date.now();
		for (const channel of this.#channels) {
			if (!channel.open || channel.send === null || !channel.ledger.heard) continue;
			if (now - channel.lastTraffic < RESYNC_MS || now - channel.lastResync < RESYNC_MS) continue;
			if (channel.ledger.inSync()) continue;
			channel.lastResync = now;
			try {
				const ask = step1(this.#log);
				channel.send(ask);
				channel.guard.sent(ask);
				const lacking = channel.ledger.lacking();
				if (lacking !== null) {
					const update = Y.encodeStateAsUpdate(this.#log, lacking);
					const encoder = encoding.createEncoder();
					encoding.writeVarUint(encoder, MESSAGE_SYNC);
					syncProtocol.writeUpdate(encoder, update);
					channel.send(encoding.toUint8Array(encoder));
					channel.ledger.update(update);
				}
			} catch (error) {
				// reason: the channel closed meanwhile; its close is reported on its own.
				console.warn('Could not ask a peer again', error);
			}
		}
	}

	#giveUpStalled() {
		const now = Date.now();
		for (const conn of room.connections(this.provider)) {
			if (conn.connected || this.#answering(conn.peer)) continue;
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
}

function browserWebRtc(): WebRtcClasses | null {
	if (typeof RTCPeerConnection === 'undefined') return null;
	return { RTCPeerConnection, RTCSessionDescription, RTCIceCandidate };
}
