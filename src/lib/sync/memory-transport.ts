// The log over an in-memory network, for tests and benches: the same y-protocols sync messages
// as WebRTC peers exchange, delivered asynchronously and in order by default, or — for property
// tests — held until the test delivers them, shuffled, duplicated or dropped from a seed. Every
// message goes through the same checks as a WebRTC peer's, so junk never throws here either.
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { ObservableV2 } from 'lib0/observable';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { PeerLedger } from './ledger';
import {
	sameStatus,
	type LogTransport,
	type TransportEvents,
	type TransportStatus
} from './log-transport';
import { checkPeerMessage } from './peer-message';
import { heldLog } from '../log/log-doc';

export interface NetworkOptions {
	/** Hold messages until `deliver()` (a property test drives the network itself). */
	manual?: boolean;
	/** With `manual`: a seeded random in [0, 1) for shuffling, loss and duplicates. */
	random?: () => number;
	/** Share of messages lost, and delivered twice (manual delivery only). */
	loss?: number;
	duplicate?: number;
	/** Sees every message that crosses (what a wiretap would). */
	tap?: (bytes: Uint8Array) => void;
}

interface Envelope {
	from: MemoryTransport;
	to: MemoryTransport;
	bytes: Uint8Array;
}

const MESSAGE_SYNC = 0;

export class MemoryNetwork {
	readonly members = new Set<MemoryTransport>();
	readonly #options: NetworkOptions;
	#queue: Envelope[] = [];

	constructor(options: NetworkOptions = {}) {
		this.#options = options;
	}

	join(log: Y.Doc): MemoryTransport {
		return new MemoryTransport(this, log);
	}

	/** Messages waiting (manual delivery). */
	get pending(): number {
		return this.#queue.length;
	}

	/** Delivers up to `max` waiting messages (manual delivery), shuffled, lossy as configured. */
	deliver(max = Infinity): number {
		const random = this.#options.random ?? Math.random;
		const batch = this.#queue.splice(0, Math.min(max, this.#queue.length));
		for (let i = batch.length - 1; i > 0; i--) {
			const j = Math.floor(random() * (i + 1));
			[batch[i], batch[j]] = [batch[j] as Envelope, batch[i] as Envelope];
		}
		let delivered = 0;
		for (const envelope of batch) {
			if (random() < (this.#options.loss ?? 0)) continue;
			envelope.to.receive(envelope.from, envelope.bytes);
			if (random() < (this.#options.duplicate ?? 0))
				envelope.to.receive(envelope.from, envelope.bytes);
			delivered++;
		}
		return delivered;
	}

	/** @internal */
	send(from: MemoryTransport, to: MemoryTransport, bytes: Uint8Array): void {
		this.#options.tap?.(bytes);
		if (this.#options.manual) this.#queue.push({ from, to, bytes });
		else setTimeout(() => to.receive(from, bytes), 0);
	}
}

export class MemoryTransport extends ObservableV2<TransportEvents> implements LogTransport {
	readonly kind = 'memory';
	readonly #network: MemoryNetwork;
	readonly #log: Y.Doc;
	readonly #ledgers = new Map<MemoryTransport, PeerLedger>();
	#connected = false;
	#dropped = 0;
	#status: TransportStatus;
	#destroyed = false;

	constructor(network: MemoryNetwork, log: Y.Doc) {
		super();
		this.#network = network;
		this.#log = log;
		this.#status = this.#compute();
		log.on('update', this.#onUpdate);
		this.connect();
	}

	get status(): TransportStatus {
		return this.#status;
	}

	/** Joins the network and asks every member what it holds (a reconnect catches up so). */
	connect(): void {
		if (this.#connected || this.#destroyed) return;
		this.#connected = true;
		this.#network.members.add(this);
		for (const peer of this.#network.members) {
			if (peer === this) continue;
			this.#ledgers.set(peer, new PeerLedger(this.#log));
			peer.meet(this);
			this.#send(peer, step1(this.#log));
		}
		this.#report();
	}

	disconnect(): void {
		if (!this.#connected) return;
		this.#connected = false;
		this.#network.members.delete(this);
		for (const peer of this.#ledgers.keys()) peer.leave(this);
		this.#ledgers.clear();
		this.#report();
	}

	/** Asks every peer again what it holds, and sends each what it lacks of ours. */
	resync(): void {
		for (const [peer, ledger] of this.#ledgers) {
			this.#send(peer, step1(this.#log));
			const lacking = ledger.lacking();
			if (lacking !== null)
				this.#send(peer, updateMessage(Y.encodeStateAsUpdate(this.#log, lacking)));
		}
	}

	override destroy(): Promise<void> {
		if (!this.#destroyed) {
			this.disconnect();
			this.#destroyed = true;
			this.#log.off('update', this.#onUpdate);
			super.destroy();
		}
		return Promise.resolve();
	}

	/** @internal A member joined: it will say what it holds; we say what we hold. */
	meet(peer: MemoryTransport): void {
		if (!this.#ledgers.has(peer)) this.#ledgers.set(peer, new PeerLedger(this.#log));
		this.#send(peer, step1(this.#log));
		this.#report();
	}

	/** @internal */
	leave(peer: MemoryTransport): void {
		this.#ledgers.delete(peer);
		this.#report();
	}

	/** @internal Bytes from a peer: checked, then read as y-webrtc would. Never throws. */
	receive(from: MemoryTransport, bytes: Uint8Array): void {
		const ledger = this.#ledgers.get(from);
		if (this.#destroyed || !this.#connected || ledger === undefined) return;
		// (A test network: every step 2 may hold a whole history, asked for or not.)
		const checked = checkPeerMessage(bytes, true, heldLog(this.#log));
		if (!checked.ok || bytes[0] !== MESSAGE_SYNC) {
			this.#dropped++;
			return this.#report();
		}
		try {
			const decoder = decoding.createDecoder(bytes);
			decoding.readVarUint(decoder);
			const type = decoding.readVarUint(decoder);
			const payload = decoding.readVarUint8Array(decoder);
			if (type === syncProtocol.messageYjsSyncStep1) {
				ledger.stateVector(Y.decodeStateVector(payload));
				const update = Y.encodeStateAsUpdate(this.#log, payload);
				this.#send(from, replyMessage(update));
				ledger.update(update);
			} else {
				ledger.update(payload);
				Y.applyUpdate(this.#log, payload, this);
			}
		} catch (error) {
			this.#dropped++;
			console.warn(
				`Dropped a message from a memory peer: ${error instanceof Error ? error.message : 'unreadable'}`
			);
		}
		this.#report();
	}

	#onUpdate = (update: Uint8Array) => {
		if (!this.#connected) return;
		// Like y-webrtc: every change is passed on to every peer (the sender's echo is harmless).
		for (const [peer, ledger] of this.#ledgers) {
			this.#send(peer, updateMessage(update));
			ledger.update(update);
		}
		this.#report();
	};

	#send(to: MemoryTransport, bytes: Uint8Array) {
		this.#network.send(this, to, bytes);
	}

	#report() {
		const status = this.#compute();
		if (sameStatus(status, this.#status)) return;
		this.#status = status;
		this.emit('status', [status]);
	}

	#compute(): TransportStatus {
		const ledgers = [...this.#ledgers.values()];
		return {
			kind: 'memory',
			connected: this.#connected,
			peers: ledgers.length,
			inSync: ledgers.filter((ledger) => ledger.inSync()).length,
			receiving: null,
			dropped: this.#dropped
		};
	}
}

function step1(log: Y.Doc): Uint8Array {
	const encoder = encoding.createEncoder();
	encoding.writeVarUint(encoder, MESSAGE_SYNC);
	syncProtocol.writeSyncStep1(encoder, log);
	return encoding.toUint8Array(encoder);
}

function replyMessage(update: Uint8Array): Uint8Array {
	const encoder = encoding.createEncoder();
	encoding.writeVarUint(encoder, MESSAGE_SYNC);
	encoding.writeVarUint(encoder, syncProtocol.messageYjsSyncStep2);
	encoding.writeVarUint8Array(encoder, update);
	return encoding.toUint8Array(encoder);
}

function updateMessage(update: Uint8Array): Uint8Array {
	const encoder = encoding.createEncoder();
	encoding.writeVarUint(encoder, MESSAGE_SYNC);
	syncProtocol.writeUpdate(encoder, update);
	return encoding.toUint8Array(encoder);
}
