// Relays as a LogTransport: one WebSocket per configured relay, each carrying a RelaySession
// (proof of relayKey, "keep this space", the log sync, what the relay has committed). A relay
// that goes away is tried again with backoff (1 s doubling to 30 s). Its status counts relays
// as peers: connected ones, and those whose committed state covers all this device holds.
import { ObservableV2 } from 'lib0/observable';
import type * as Y from 'yjs';
import { toRelay, type Capability } from '../crypto/capability';
import type { Signer } from '../crypto/signing';
import {
	idleStatus,
	sameStatus,
	type LogTransport,
	type TransportEvents,
	type TransportStatus
} from './log-transport';
import type { Awareness } from 'y-protocols/awareness';
import type { FirstSyncGate } from './first-sync-gate';
import { RelaySession } from './relay-session';

export interface RelayTransportOptions {
	log: Y.Doc;
	cap: Capability;
	/** Relay endpoints, `wss://host/relay` (or ws:// on this machine). */
	urls: string[];
	/** Ask each relay to keep the space (send the b1 capability). */
	keep: boolean;
	/** The WebSocket class (the browser's by default; `ws` in Node tests). */
	WebSocket?: typeof WebSocket;
	/** One first sync at a time, shared with the other transports of the space. */
	gate?: FirstSyncGate;
	/** The space's sealed presence, carried through relays too (carets where WebRTC cannot go). */
	awareness?: Awareness;
}

interface Link {
	url: string;
	socket: WebSocket | null;
	session: RelaySession | null;
	retryMs: number;
	timer: ReturnType<typeof setTimeout> | null;
	dropped: number;
	refused: string | null;
	/** The relay forgot the space at our request: not asked to keep it again by this transport. */
	forgotten: boolean;
	/** A big frame on its way in from this relay. */
	receiving: { received: number; total: number } | null;
}

const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 30_000;

export class RelayTransport extends ObservableV2<TransportEvents> implements LogTransport {
	readonly kind = 'relay';
	readonly #options: RelayTransportOptions;
	readonly #links: Link[];
	#status: TransportStatus = idleStatus('relay');
	#destroyed = false;
	#bytesReceived = 0;

	constructor(options: RelayTransportOptions) {
		super();
		this.#options = options;
		this.#links = options.urls.map((url) => ({
			url,
			socket: null,
			session: null,
			retryMs: FIRST_RETRY_MS,
			timer: null,
			dropped: 0,
			refused: null,
			forgotten: false,
			receiving: null
		}));
		options.log.on('update', this.#report);
		for (const link of this.#links) this.#open(link);
	}

	get status(): TransportStatus {
		return this.#status;
	}

	/** Bytes of frames taken in from relays since opening (for benchmarks and tests). */
	get bytesReceived(): number {
		return this.#bytesReceived;
	}

	/** Per relay: whether it is joined and whether it has committed all this device holds. */
	get relays(): Array<{ url: string; joined: boolean; kept: boolean; refused: string | null }> {
		return this.#links.map((link) => ({
			url: link.url,
			joined: link.session?.joined ?? false,
			kept: link.session?.holdsAll() ?? false,
			refused: link.refused
		}));
	}

	/**
	 * Asks every relay joined now to stop keeping the space (an editor's signature); resolves
	 * with how many said they did, within `timeoutMs`.
	 */
	async forget(signer: Signer, timeoutMs = 10_000): Promise<{ forgotten: number; asked: number }> {
		const sessions = this.#links
			.map((link) => link.session)
			.filter((session): session is RelaySession => session?.joined === true);
		const answers = await Promise.all(
			sessions.map(
				(session) =>
					new Promise<boolean>((resolve) => {
						const done = (forgotten: boolean) => {
							clearTimeout(timer);
							session.off('forgotten', onForgotten);
							session.off('refused', onRefused);
							resolve(forgotten);
						};
						const onForgotten = () => done(true);
						const onRefused = () => done(false);
						const timer = setTimeout(() => done(false), timeoutMs);
						session.on('forgotten', onForgotten);
						session.on('refused', onRefused);
						session.forget(signer).catch(() => done(false));
					})
			)
		);
		return { forgotten: answers.filter(Boolean).length, asked: sessions.length };
	}

	#open(link: Link) {
		if (this.#destroyed) return;
		const Socket = this.#options.WebSocket ?? globalThis.WebSocket;
		let socket: WebSocket;
		try {
			socket = new Socket(link.url);
		} catch {
			// reason: a URL the browser will not open; tried again later like a dead relay.
			return this.#retry(link);
		}
		socket.binaryType = 'arraybuffer';
		const session = new RelaySession({
			log: this.#options.log,
			cap: toRelay(this.#options.cap),
			keep: this.#options.keep,
			send: (bytes) => {
				if (socket.readyState === 1) socket.send(bytes);
			},
			...(this.#options.gate === undefined ? {} : { gate: this.#options.gate }),
			...(this.#options.awareness === undefined ? {} : { awareness: this.#options.awareness })
		});
		link.socket = socket;
		link.session = session;
		session.on('joined', () => {
			link.refused = null;
			this.#report();
		});
		// The backoff starts over only once the relay holds what we hold: a relay that takes the
		// proof, asks for everything and drops us (hostile, or refusing a frame as too big)
		// must not get the whole log again every second.
		session.on('kept', () => {
			if (session.holdsAll()) link.retryMs = FIRST_RETRY_MS;
			this.#report();
		});
		session.on('refused', (code) => {
			link.refused = code;
			this.#report();
		});
		session.on('forgotten', () => {
			link.forgotten = true;
			this.#report();
		});
		session.on('dropped', () => {
			link.dropped++;
			this.#report();
		});
		session.on('receiving', (progress) => {
			link.receiving = progress;
			this.#report();
		});
		socket.onmessage = (event: MessageEvent) => {
			if (event.data instanceof ArrayBuffer) {
				this.#bytesReceived += event.data.byteLength;
				session.receive(new Uint8Array(event.data));
			} else link.dropped++;
		};
		socket.onclose = () => {
			session.destroy();
			if (link.session === session) {
				link.session = null;
				link.socket = null;
				link.receiving = null;
			}
			this.#report();
			this.#retry(link);
		};
		// reason: an error is followed by close, handled there.
		socket.onerror = () => {};
	}

	#retry(link: Link) {
		if (this.#destroyed || link.forgotten || link.timer !== null) return;
		const wait = link.retryMs * (0.75 + Math.random() * 0.5);
		link.retryMs = Math.min(MAX_RETRY_MS, link.retryMs * 2);
		link.timer = setTimeout(() => {
			link.timer = null;
			this.#open(link);
		}, wait);
	}

	#report = () => {
		if (this.#destroyed) return;
		const joined = this.#links.filter((link) => link.session?.joined === true);
		const status: TransportStatus = {
			kind: 'relay',
			connected: joined.length > 0,
			peers: joined.length,
			inSync: joined.filter((link) => link.session?.holdsAll() === true).length,
			receiving: this.#links.find((link) => link.receiving !== null)?.receiving ?? null,
			dropped: this.#links.reduce((sum, link) => sum + link.dropped, 0)
		};
		if (sameStatus(status, this.#status)) return;
		this.#status = status;
		this.emit('status', [status]);
	};

	override async destroy(): Promise<void> {
		if (this.#destroyed) return;
		this.#destroyed = true;
		this.#options.log.off('update', this.#report);
		for (const link of this.#links) {
			if (link.timer !== null) clearTimeout(link.timer);
			link.session?.destroy();
			link.socket?.close();
		}
		super.destroy();
	}
}
