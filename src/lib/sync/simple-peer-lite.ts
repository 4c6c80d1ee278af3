// The part of simple-peer (9.x) that y-webrtc uses, on the platform's WebRTC classes alone.
// y-webrtc imports simple-peer's prebuilt bundle, which carries Node's Buffer, streams and
// `debug` into the browser: ~27 KB of the ~300 KB gzipped that opening a space costs. The build
// points that import here instead (`vite.config.ts`, resolve.alias).
//
// What crosses the signaling server is exactly what simple-peer sends, so a peer running stock
// simple-peer connects to this one either way round (tests/unit/simple-peer-lite.test.ts runs
// both against each other): `{ type: 'offer' | 'answer', sdp }`,
// `{ type: 'candidate', candidate: { candidate, sdpMLineIndex, sdpMid } }` (trickle ICE), and
// `renegotiate` / `transceiverRequest` accepted and ignored (a data channel never needs them).
// The initiator opens the one data channel (a random 40-hex-digit label); the other side takes
// the channel the offer brings.
//
// Left out because y-webrtc never uses them: media streams and tracks, the Duplex stream API,
// non-trickle signaling, `sdpTransform`, `getStats` and the address fields.
//
// Unlike simple-peer, `signal()` on a destroyed peer does nothing rather than throw: it is
// called from y-webrtc's signaling handler with a stranger's message.

import { ObservableV2 } from 'lib0/observable';
import type { WebRtcClasses } from './webrtc-options';

export interface PeerOptions {
	initiator?: boolean;
	config?: RTCConfiguration;
	/** The WebRTC classes; the platform's own when absent. */
	wrtc?: WebRtcClasses;
	channelName?: string;
	channelConfig?: RTCDataChannelInit;
}

// A type, not an interface: ObservableV2 wants an index signature.
type PeerEvents = {
	signal: (signal: SignalData) => void;
	connect: () => void;
	data: (data: Uint8Array | string) => void;
	close: () => void;
	error: (error: PeerError) => void;
};

export interface SignalData {
	type?: string;
	sdp?: string;
	candidate?: RTCIceCandidateInit;
	renegotiate?: boolean;
	transceiverRequest?: unknown;
}

/** An error with simple-peer's code (`ERR_…`), as y-webrtc logs it. */
export class PeerError extends Error {
	readonly code: string;

	constructor(message: string, code: string) {
		super(message);
		this.name = 'PeerError';
		this.code = code;
	}
}

/**
 * Candidates held until the other side's description arrives. An honest peer sends a handful
 * (its offer comes first); a stranger's stream of them is not kept past this many.
 */
const MAX_PENDING_CANDIDATES = 64;
/** The buffered amount at which simple-peer asks for "buffer low" (its MAX_BUFFERED_AMOUNT). */
const LOW_WATER = 64 * 1024;
/** Chromium can leave a channel "closing" for good; after this long it counts as closed. */
const CLOSING_TIMEOUT_MS = 5_000;

function randomLabel(): string {
	const bytes = crypto.getRandomValues(new Uint8Array(20));
	return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

function platformWebRtc(): WebRtcClasses {
	if (typeof RTCPeerConnection === 'undefined') {
		throw new PeerError('No WebRTC support in this browser', 'ERR_WEBRTC_SUPPORT');
	}
	return { RTCPeerConnection, RTCSessionDescription, RTCIceCandidate };
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

export default class Peer extends ObservableV2<PeerEvents> {
	readonly initiator: boolean;
	destroyed = false;

	readonly #wrtc: WebRtcClasses | null;
	/** Null when the platform refused to make one (the peer then closes at once). */
	readonly #pc: RTCPeerConnection | null = null;
	#channel: RTCDataChannel | null = null;
	#connected = false;
	#destroying = false;
	#pendingCandidates: RTCIceCandidateInit[] = [];
	#closingTimer: ReturnType<typeof setInterval> | null = null;

	constructor(options: PeerOptions = {}) {
		super();
		this.initiator = options.initiator ?? false;
		let pc: RTCPeerConnection;
		try {
			this.#wrtc = options.wrtc ?? platformWebRtc();
		} catch (error) {
			// simple-peer throws here; y-webrtc makes peers where a throw goes unhandled.
			this.#wrtc = null;
			this.destroy(error as PeerError);
			return;
		}
		try {
			pc = new this.#wrtc.RTCPeerConnection(options.config);
		} catch (error) {
			// As simple-peer: a connection the platform will not make (too many on this page, a
			// bad ICE server) closes the peer; y-webrtc builds peers where a throw goes unhandled.
			this.destroy(new PeerError(messageOf(error), 'ERR_PC_CONSTRUCTOR'));
			return;
		}
		this.#pc = pc;
		pc.oniceconnectionstatechange = () => this.#onIceState(pc);
		pc.onconnectionstatechange = () => {
			if (!this.destroyed && pc.connectionState === 'failed') {
				this.destroy(new PeerError('Connection failed.', 'ERR_CONNECTION_FAILURE'));
			}
		};
		pc.onicecandidate = (event) => {
			if (this.destroyed || !event.candidate) return;
			const { candidate, sdpMLineIndex, sdpMid } = event.candidate;
			this.emit('signal', [{ type: 'candidate', candidate: { candidate, sdpMLineIndex, sdpMid } }]);
		};
		if (this.initiator) {
			let channel: RTCDataChannel;
			try {
				channel = pc.createDataChannel(options.channelName ?? randomLabel(), options.channelConfig);
			} catch (error) {
				this.destroy(new PeerError(messageOf(error), 'ERR_DATA_CHANNEL'));
				return;
			}
			this.#setupChannel(channel);
			// As simple-peer: the offer waits a task (Chromium once crashed on an immediate one).
			setTimeout(() => this.#createOffer(pc), 0);
		} else {
			pc.ondatachannel = (event) => {
				// One data channel per peer: any further one the other side opens is closed.
				if (this.#channel !== null) {
					try {
						event.channel?.close();
					} catch {
						// already closed
					}
					return;
				}
				this.#setupChannel(event.channel);
			};
		}
	}

	get connected(): boolean {
		return this.#connected && this.#channel?.readyState === 'open';
	}

	/** Takes a signal from the other side (an object, or its JSON). */
	signal(input: SignalData | string): void {
		const pc = this.#pc;
		const wrtc = this.#wrtc;
		if (this.destroyed || this.#destroying || pc === null || wrtc === null) return;
		let data: SignalData;
		try {
			data = typeof input === 'string' ? (JSON.parse(input) as SignalData) : input;
		} catch {
			data = {};
		}
		if (data === null || typeof data !== 'object') data = {};
		if (data.candidate) {
			if (pc.remoteDescription?.type) this.#addCandidate(pc, data.candidate);
			else if (this.#pendingCandidates.length < MAX_PENDING_CANDIDATES) {
				this.#pendingCandidates.push(data.candidate);
			}
		}
		if (data.sdp) {
			let description: RTCSessionDescription;
			try {
				description = new wrtc.RTCSessionDescription(data as RTCSessionDescriptionInit);
			} catch (error) {
				this.destroy(new PeerError(messageOf(error), 'ERR_SET_REMOTE_DESCRIPTION'));
				return;
			}
			pc.setRemoteDescription(description)
				.then(() => {
					if (this.destroyed) return;
					for (const candidate of this.#pendingCandidates) this.#addCandidate(pc, candidate);
					this.#pendingCandidates = [];
					if (pc.remoteDescription?.type === 'offer') this.#createAnswer(pc);
				})
				.catch((error: unknown) =>
					this.destroy(new PeerError(messageOf(error), 'ERR_SET_REMOTE_DESCRIPTION'))
				);
		}
		if (!data.sdp && !data.candidate && !data.renegotiate && !data.transceiverRequest) {
			this.destroy(new PeerError('signal() called with invalid signal data', 'ERR_SIGNALING'));
		}
	}

	/** Sends on the data channel; throws when it is not open (y-webrtc catches). */
	send(data: Uint8Array<ArrayBuffer> | string): void {
		if (this.#destroying) return;
		if (this.destroyed || this.#channel === null) {
			throw new PeerError(
				'cannot send before the channel opens or after destroy',
				'ERR_DATA_CHANNEL'
			);
		}
		this.#channel.send(data as Uint8Array<ArrayBuffer>);
	}

	/**
	 * Closes the connection; 'error' (when given one) and then 'close' follow, once. (Not
	 * ObservableV2's: listeners stay, as simple-peer's do.)
	 */
	override destroy(error?: PeerError): void {
		if (this.destroyed || this.#destroying) return;
		this.#destroying = true;
		// As simple-peer: events racing the call still get delivered first.
		queueMicrotask(() => {
			this.destroyed = true;
			this.#destroying = false;
			this.#connected = false;
			if (this.#closingTimer !== null) clearInterval(this.#closingTimer);
			const channel = this.#channel;
			if (channel !== null) {
				try {
					channel.close();
				} catch {
					// already closed
				}
				channel.onmessage = channel.onopen = channel.onclose = channel.onerror = null;
			}
			const pc = this.#pc;
			if (pc !== null) {
				try {
					pc.close();
				} catch {
					// already closed
				}
				pc.oniceconnectionstatechange = pc.onconnectionstatechange = null;
				pc.onicecandidate = pc.ondatachannel = null;
			}
			this.#channel = null;
			this.#pendingCandidates = [];
			if (error !== undefined) this.emit('error', [error]);
			this.emit('close', []);
		});
	}

	#setupChannel(channel: RTCDataChannel | undefined): void {
		if (!channel) {
			this.destroy(new PeerError('Data channel event is missing `channel`', 'ERR_DATA_CHANNEL'));
			return;
		}
		this.#channel = channel;
		channel.binaryType = 'arraybuffer';
		channel.bufferedAmountLowThreshold = LOW_WATER;
		channel.onmessage = (event: MessageEvent) => {
			if (this.destroyed) return;
			const data: unknown = event.data;
			this.emit('data', [data instanceof ArrayBuffer ? new Uint8Array(data) : (data as string)]);
		};
		channel.onopen = () => {
			if (this.#connected || this.destroyed) return;
			this.#connected = true;
			this.emit('connect', []);
		};
		channel.onclose = () => {
			if (!this.destroyed) this.destroy();
		};
		channel.onerror = (event: Event) => {
			const cause = (event as Partial<RTCErrorEvent>).error;
			const message = cause instanceof Error ? cause.message : 'Data channel error';
			this.destroy(new PeerError(message, 'ERR_DATA_CHANNEL'));
		};
		let closing = false;
		this.#closingTimer = setInterval(() => {
			const stuck = this.#channel?.readyState === 'closing';
			if (stuck && closing) this.destroy();
			closing = stuck;
		}, CLOSING_TIMEOUT_MS);
	}

	#onIceState(pc: RTCPeerConnection): void {
		if (this.destroyed) return;
		const state = pc.iceConnectionState;
		if (state === 'failed') {
			this.destroy(new PeerError('Ice connection failed.', 'ERR_ICE_CONNECTION_FAILURE'));
		} else if (state === 'closed') {
			this.destroy(new PeerError('Ice connection closed.', 'ERR_ICE_CONNECTION_CLOSED'));
		}
	}

	#addCandidate(pc: RTCPeerConnection, candidate: RTCIceCandidateInit): void {
		const wrtc = this.#wrtc;
		if (wrtc === null) return;
		let ice: RTCIceCandidate;
		try {
			ice = new wrtc.RTCIceCandidate(candidate);
		} catch {
			return; // a malformed candidate is one path fewer, as an unsupported one is
		}
		// A candidate that cannot be added is one path fewer, never the end of the connection
		// (simple-peer closes it, unless the address is mDNS): signals come from strangers.
		pc.addIceCandidate(ice).catch(() => {});
	}

	#createOffer(pc: RTCPeerConnection): void {
		if (this.destroyed) return;
		this.#describe(pc, () => pc.createOffer(), 'ERR_CREATE_OFFER');
	}

	#createAnswer(pc: RTCPeerConnection): void {
		if (this.destroyed) return;
		this.#describe(pc, () => pc.createAnswer(), 'ERR_CREATE_ANSWER');
	}

	/** Makes an offer or answer, sets it locally, and signals it (trickle: candidates follow). */
	#describe(
		pc: RTCPeerConnection,
		create: () => Promise<RTCSessionDescriptionInit>,
		createCode: string
	): void {
		create()
			.then((description) => {
				if (this.destroyed) return;
				return pc
					.setLocalDescription(description)
					.then(() => {
						if (this.destroyed) return;
						const local = pc.localDescription ?? description;
						this.emit('signal', [{ type: local.type, sdp: local.sdp }]);
					})
					.catch((error: unknown) =>
						this.destroy(new PeerError(messageOf(error), 'ERR_SET_LOCAL_DESCRIPTION'))
					);
			})
			.catch((error: unknown) => this.destroy(new PeerError(messageOf(error), createCode)));
	}
}
