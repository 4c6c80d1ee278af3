// Messages of any size over an RTCDataChannel. Chromium drops data-channel messages over
// ~256 KiB, and a newcomer's first sync is one message, so every message is framed: small ones
// whole, big ones in chunks that are reassembled in order (the channel is reliable and ordered).
// Chunks wait in a queue while the channel's own buffer is full (backpressure), and the channel
// tells its user "buffer low" only when both are drained.
//
// Frames: 0x00 ‖ message | 0x01 ‖ u32 total length (big-endian) ‖ first part | 0x02 ‖ next part.
// `ChunkedChannel` has the shape simple-peer expects of a data channel, so it slips in through
// simple-peer's `wrtc` option (see `webrtc-options.ts`).
//
// The other side is a stranger: a 5-byte first frame may announce 256 MiB. The reassembly
// buffer therefore grows with the bytes that actually arrived (doubling, never past the
// announced total), and a message whose next part does not come in time is dropped and the
// connection closed, so nobody can make us hold memory they did not send, or hold it for long.

/** Frame size when the connection does not say what it accepts: safe with every browser. */
export const CHUNK_BYTES = 64 * 1024;
/** The largest frame used even when a peer accepts more (Chromium takes 256 KiB). */
const MAX_CHUNK_BYTES = 256 * 1024;
/** Whole message; the largest a peer may announce. A space is capped far below this. */
export const MAX_MESSAGE_BYTES = 256 * 1024 * 1024;
const HIGH_WATER = 1024 * 1024;
const LOW_WATER = 256 * 1024;
/** The first reassembly buffer; it doubles as parts arrive, up to the announced total. */
const FIRST_BUFFER_BYTES = 256 * 1024;
/**
 * Longest wait for the next part of a big message. The sender sends parts back to back, held
 * only by its 1 MiB buffer, so a gap this long means under 64 KiB (the smallest frame) in 30 s
 * (~17 kbit/s): a dead link (SCTP gives up on an unanswered path in about as long) or someone
 * holding our buffer open. A slow but live link keeps resetting it, whatever the message size.
 */
export const PART_TIMEOUT_MS = 30_000;

const WHOLE = 0x00;
const FIRST = 0x01;
const NEXT = 0x02;

export interface ChannelHooks {
	/** Bytes of a big message received so far, while it arrives. */
	onProgress?(received: number, total: number): void;
	/** Decides whether a reassembled message may be handed on; false drops it. */
	accept?(message: Uint8Array): boolean;
	/** A frame broke the protocol; the channel is closed. */
	onViolation?(reason: string): void;
	/**
	 * The largest message the other side accepts (RTCSctpTransport.maxMessageSize), once known.
	 * Bigger frames are much faster: each data-channel message costs a lot more than its bytes.
	 */
	maxMessageSize?(): number | undefined;
	/**
	 * Sees every outgoing message first; false holds it back, and the hook sends a replacement
	 * later through `send` (see first-sync-gate.ts).
	 */
	outgoing?(message: Uint8Array, send: (replacement: Uint8Array) => void): boolean;
	/**
	 * The channel opened; `send` sends a message of our own on it (framed, like any other), e.g.
	 * to ask a peer what it holds.
	 */
	onOpen?(send: (message: Uint8Array) => void): void;
	/** The channel closed. */
	onClose?(): void;
}

/** The part of RTCDataChannel this module uses, so tests can pair two fakes. */
export interface RawChannel {
	binaryType: string;
	readonly label: string;
	readonly readyState: string;
	readonly bufferedAmount: number;
	bufferedAmountLowThreshold: number;
	onmessage: ((event: { data: unknown }) => void) | null;
	onopen: ((event: unknown) => void) | null;
	onclose: ((event: unknown) => void) | null;
	onerror: ((event: unknown) => void) | null;
	onbufferedamountlow: ((event: unknown) => void) | null;
	send(data: Uint8Array<ArrayBuffer>): void;
	close(): void;
}

const encoder = new TextEncoder();

function toBytes(data: unknown): Uint8Array {
	if (data instanceof Uint8Array) return data;
	if (data instanceof ArrayBuffer) return new Uint8Array(data);
	if (ArrayBuffer.isView(data))
		return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
	if (typeof data === 'string') return encoder.encode(data);
	throw new TypeError('Only bytes and text can be sent');
}

export class ChunkedChannel {
	onmessage: ((event: { data: ArrayBuffer }) => void) | null = null;
	onopen: ((event: unknown) => void) | null = null;
	onclose: ((event: unknown) => void) | null = null;
	onerror: ((event: unknown) => void) | null = null;
	onbufferedamountlow: ((event: unknown) => void) | null = null;
	/** The threshold our user sets; reported against our own buffered amount. */
	bufferedAmountLowThreshold = 0;

	readonly #raw: RawChannel;
	readonly #hooks: ChannelHooks;
	readonly #queue: Uint8Array<ArrayBuffer>[] = [];
	#queued = 0;
	/** The message being reassembled: what arrived so far, in a buffer that grows. */
	#incoming: Uint8Array<ArrayBuffer> | null = null;
	#total = 0;
	#received = 0;
	#lastPart = 0;
	#deadline: ReturnType<typeof setTimeout> | null = null;
	#closed = false;

	constructor(raw: RawChannel, hooks: ChannelHooks = {}) {
		this.#raw = raw;
		this.#hooks = hooks;
		raw.binaryType = 'arraybuffer';
		raw.bufferedAmountLowThreshold = LOW_WATER;
		raw.onmessage = (event) => this.#receive(event.data);
		raw.onbufferedamountlow = () => this.#pump();
		raw.onopen = (event) => {
			this.#pump();
			this.#hooks.onOpen?.((message) => {
				if (!this.#closed) this.#send(message);
			});
			this.onopen?.(event);
		};
		raw.onclose = (event) => {
			this.#drop();
			this.#hooks.onClose?.();
			this.onclose?.(event);
		};
		raw.onerror = (event) => this.onerror?.(event);
	}

	get label(): string {
		return this.#raw.label;
	}

	get readyState(): string {
		return this.#raw.readyState;
	}

	/** Our user never sees the frames, so binaryType is always ArrayBuffer. */
	get binaryType(): string {
		return 'arraybuffer';
	}

	set binaryType(_value: string) {
		// reason: messages are always delivered as ArrayBuffer; simple-peer asks for exactly that.
	}

	/** Bytes held for a message being reassembled (what arrived, rounded up to a doubling). */
	get reassemblyBytes(): number {
		return this.#incoming?.byteLength ?? 0;
	}

	get bufferedAmount(): number {
		return this.#raw.bufferedAmount + this.#queued;
	}

	send(data: unknown) {
		if (this.#closed) throw new Error('The channel is closed');
		const bytes = toBytes(data);
		const proceed = this.#hooks.outgoing?.(bytes, (replacement) => this.#send(replacement));
		if (proceed !== false) this.#send(bytes);
	}

	#send(bytes: Uint8Array) {
		if (this.#closed) throw new Error('The channel is closed');
		if (bytes.byteLength > MAX_MESSAGE_BYTES) throw new RangeError('Message too large');
		const size = this.#chunkBytes();
		if (bytes.byteLength < size) {
			this.#enqueue(frame(WHOLE, bytes, 0, bytes.byteLength));
		} else {
			const first = size - 5;
			const head = new Uint8Array(size);
			head[0] = FIRST;
			new DataView(head.buffer).setUint32(1, bytes.byteLength);
			head.set(bytes.subarray(0, first), 5);
			this.#enqueue(head);
			for (let at = first; at < bytes.byteLength; at += size - 1) {
				this.#enqueue(frame(NEXT, bytes, at, Math.min(at + size - 1, bytes.byteLength)));
			}
		}
		this.#pump();
	}

	close() {
		this.#drop();
		this.#hooks.onClose?.();
		this.#raw.close();
	}

	#chunkBytes(): number {
		const accepted = this.#hooks.maxMessageSize?.();
		if (accepted === undefined || !(accepted >= CHUNK_BYTES)) return CHUNK_BYTES;
		return Math.min(accepted, MAX_CHUNK_BYTES);
	}

	#enqueue(chunk: Uint8Array<ArrayBuffer>) {
		this.#queue.push(chunk);
		this.#queued += chunk.byteLength;
	}

	#pump() {
		if (this.#raw.readyState !== 'open') return;
		try {
			while (this.#queue.length > 0 && this.#raw.bufferedAmount < HIGH_WATER) {
				const chunk = this.#queue.shift() as Uint8Array<ArrayBuffer>;
				this.#queued -= chunk.byteLength;
				this.#raw.send(chunk);
			}
		} catch (error) {
			// reason: the channel closed under us; its onclose tells our user.
			console.warn('Data channel send failed', error);
			this.#drop();
			return;
		}
		if (this.#queue.length === 0 && this.bufferedAmount <= this.bufferedAmountLowThreshold) {
			this.onbufferedamountlow?.({});
		}
	}

	#drop() {
		this.#closed = true;
		this.#queue.length = 0;
		this.#queued = 0;
		this.#incoming = null;
		this.#stopDeadline();
	}

	#stopDeadline() {
		if (this.#deadline !== null) clearTimeout(this.#deadline);
		this.#deadline = null;
	}

	/** One timer per message, re-armed for what is left when it fires early. */
	#armDeadline(ms: number) {
		this.#deadline = setTimeout(() => {
			this.#deadline = null;
			if (this.#incoming === null || this.#closed) return;
			const idle = Date.now() - this.#lastPart;
			if (idle >= PART_TIMEOUT_MS) this.#violation('a message that stopped arriving');
			else this.#armDeadline(PART_TIMEOUT_MS - idle);
		}, ms);
	}

	#violation(reason: string) {
		this.#hooks.onViolation?.(reason);
		this.close();
	}

	#receive(data: unknown) {
		if (this.#closed) return;
		if (!(data instanceof ArrayBuffer) || data.byteLength === 0) {
			return this.#violation('a frame that is not bytes');
		}
		const bytes = new Uint8Array(data);
		const kind = bytes[0];
		if (kind === WHOLE) {
			if (this.#incoming !== null) return this.#violation('a message inside a chunked one');
			return this.#deliver(bytes.slice(1));
		}
		if (kind === FIRST) {
			if (this.#incoming !== null || bytes.byteLength < 5) {
				return this.#violation('a misplaced first chunk');
			}
			const total = new DataView(data).getUint32(1);
			if (total > MAX_MESSAGE_BYTES || total < bytes.byteLength - 5) {
				return this.#violation('a message of an impossible size');
			}
			this.#incoming = new Uint8Array(Math.min(total, FIRST_BUFFER_BYTES));
			this.#total = total;
			this.#received = 0;
			this.#lastPart = Date.now();
			this.#armDeadline(PART_TIMEOUT_MS);
			return this.#append(bytes.subarray(5));
		}
		if (kind === NEXT) {
			if (this.#incoming === null) return this.#violation('a chunk without a first one');
			return this.#append(bytes.subarray(1));
		}
		return this.#violation('an unknown frame');
	}

	#append(part: Uint8Array) {
		let incoming = this.#incoming as Uint8Array<ArrayBuffer>;
		const received = this.#received + part.byteLength;
		if (received > this.#total) return this.#violation('more bytes than announced');
		if (received > incoming.byteLength) {
			// Doubling keeps copying linear in the message size; capped at the announced total,
			// so a complete message fills its buffer exactly.
			const grown = new Uint8Array(
				Math.min(this.#total, Math.max(received, incoming.byteLength * 2))
			);
			grown.set(incoming.subarray(0, this.#received));
			incoming = this.#incoming = grown;
		}
		incoming.set(part, this.#received);
		this.#received = received;
		this.#lastPart = Date.now();
		this.#hooks.onProgress?.(this.#received, this.#total);
		if (this.#received === this.#total) {
			this.#incoming = null;
			this.#stopDeadline();
			this.#deliver(incoming);
		}
	}

	#deliver(message: Uint8Array<ArrayBuffer>) {
		try {
			if (this.#hooks.accept && !this.#hooks.accept(message)) return;
			this.onmessage?.({ data: message.buffer });
		} catch (error) {
			// reason: a message from a peer must never throw into the data channel's event loop;
			// whatever it was, it is dropped and the connection goes on.
			console.warn('Dropped a message from a peer', error);
		}
	}
}

function frame(kind: number, bytes: Uint8Array, from: number, to: number): Uint8Array<ArrayBuffer> {
	const out = new Uint8Array(1 + to - from);
	out[0] = kind;
	out.set(bytes.subarray(from, to), 1);
	return out;
}
