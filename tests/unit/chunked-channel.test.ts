import { describe, expect, it } from 'vitest';
import {
	CHUNK_BYTES,
	ChunkedChannel,
	MAX_MESSAGE_BYTES,
	type RawChannel
} from '../../src/lib/sync/chunked-channel';

/** A data channel that, like Chromium's, refuses frames over 256 KiB and buffers what it sends. */
class FakeChannel implements RawChannel {
	binaryType = 'blob';
	readonly label = 'fake';
	readyState = 'open';
	bufferedAmount = 0;
	bufferedAmountLowThreshold = 0;
	onmessage: ((event: { data: unknown }) => void) | null = null;
	onopen: ((event: unknown) => void) | null = null;
	onclose: ((event: unknown) => void) | null = null;
	onerror: ((event: unknown) => void) | null = null;
	onbufferedamountlow: ((event: unknown) => void) | null = null;
	peer: FakeChannel | null = null;
	sent: Uint8Array[] = [];
	largest = 0;

	send(data: Uint8Array<ArrayBuffer>) {
		if (data.byteLength > 256 * 1024) throw new Error('message too big for a data channel');
		this.largest = Math.max(this.largest, data.byteLength);
		this.sent.push(data);
		this.bufferedAmount += data.byteLength;
	}

	/** The network moves everything buffered to the other side. */
	drain() {
		const frames = this.sent.splice(0);
		this.bufferedAmount = 0;
		for (const frame of frames) this.peer?.onmessage?.({ data: frame.slice().buffer });
		this.onbufferedamountlow?.({});
	}

	close() {
		this.readyState = 'closed';
	}
}

function pair() {
	const a = new FakeChannel();
	const b = new FakeChannel();
	a.peer = b;
	b.peer = a;
	return { a, b };
}

function bytes(size: number, seed = 1): Uint8Array {
	const out = new Uint8Array(size);
	let state = seed;
	for (let i = 0; i < size; i++) {
		state = (state * 1103515245 + 12345) >>> 0;
		out[i] = state >>> 24;
	}
	return out;
}

/** Drains both directions until nothing is left in flight. */
function settle(...channels: FakeChannel[]) {
	for (let round = 0; round < 10_000; round++) {
		if (channels.every((channel) => channel.sent.length === 0)) return;
		for (const channel of channels) channel.drain();
	}
	throw new Error('did not settle');
}

describe('ChunkedChannel', () => {
	it('carries small and very large messages intact and in order, in frames under 256 KiB', () => {
		const { a, b } = pair();
		const sender = new ChunkedChannel(a);
		const receiver = new ChunkedChannel(b);
		const got: Uint8Array[] = [];
		receiver.onmessage = (event) => got.push(new Uint8Array(event.data));
		const messages = [
			bytes(10),
			bytes(5 * 1024 * 1024, 2),
			bytes(0),
			bytes(CHUNK_BYTES - 1, 3),
			bytes(CHUNK_BYTES, 4),
			bytes(CHUNK_BYTES * 3 + 7, 5)
		];
		for (const message of messages) sender.send(message);
		settle(a);
		// Compared as buffers: a deep equality over 5 million numbers is slower than the test.
		expect(got.length).toBe(messages.length);
		got.forEach((message, i) =>
			expect(
				Buffer.from(message).equals(Buffer.from(messages[i] as Uint8Array)),
				`message ${i}`
			).toBe(true)
		);
		expect(a.largest).toBeLessThanOrEqual(CHUNK_BYTES);
		expect(receiver.binaryType).toBe('arraybuffer');
		expect(b.binaryType).toBe('arraybuffer');
	});

	it('holds frames back while the channel buffer is full and reports "low" only when drained', () => {
		const { a, b } = pair();
		const sender = new ChunkedChannel(a);
		new ChunkedChannel(b);
		let lows = 0;
		sender.bufferedAmountLowThreshold = 64 * 1024;
		sender.onbufferedamountlow = () => lows++;
		sender.send(bytes(8 * 1024 * 1024));
		// The raw channel never holds much more than 1 MiB; the rest waits in our queue.
		expect(a.bufferedAmount).toBeLessThanOrEqual(1024 * 1024 + CHUNK_BYTES);
		expect(sender.bufferedAmount).toBeGreaterThan(7 * 1024 * 1024);
		expect(lows).toBe(0);
		settle(a);
		expect(sender.bufferedAmount).toBe(0);
		expect(lows).toBeGreaterThan(0);
	});

	it('uses frames as big as the other side accepts, up to 256 KiB', () => {
		for (const [accepted, expected] of [
			[262_144, 262_144],
			[Number.POSITIVE_INFINITY, 262_144],
			[16_384, CHUNK_BYTES],
			[undefined, CHUNK_BYTES]
		] as const) {
			const { a, b } = pair();
			const sender = new ChunkedChannel(a, { maxMessageSize: () => accepted });
			const receiver = new ChunkedChannel(b);
			let got: Uint8Array | null = null;
			receiver.onmessage = (event) => (got = new Uint8Array(event.data));
			const message = bytes(1024 * 1024, 7);
			sender.send(message);
			settle(a);
			expect(a.largest, String(accepted)).toBe(expected);
			expect(Buffer.from(got as unknown as Uint8Array).equals(Buffer.from(message))).toBe(true);
		}
	});

	it('reports progress of a big message as it arrives', () => {
		const { a, b } = pair();
		const sender = new ChunkedChannel(a);
		const progress: Array<[number, number]> = [];
		new ChunkedChannel(b, { onProgress: (received, total) => progress.push([received, total]) });
		sender.send(bytes(1024 * 1024));
		settle(a);
		expect(progress.length).toBeGreaterThan(10);
		expect(progress.at(-1)).toEqual([1024 * 1024, 1024 * 1024]);
		expect(progress.every(([, total]) => total === 1024 * 1024)).toBe(true);
	});

	it('drops messages the accept hook refuses, and survives a handler that throws', () => {
		const { a, b } = pair();
		const sender = new ChunkedChannel(a);
		const receiver = new ChunkedChannel(b, { accept: (message) => message[0] !== 0xff });
		const got: number[] = [];
		receiver.onmessage = (event) => {
			const first = new Uint8Array(event.data)[0] as number;
			if (first === 2) throw new Error('handler bug');
			got.push(first);
		};
		for (const first of [1, 0xff, 2, 3]) sender.send(new Uint8Array([first, 9, 9]));
		settle(a);
		expect(got).toEqual([1, 3]);
	});

	it('closes on frames that break the protocol, without throwing', () => {
		const cases: Array<[string, Uint8Array]> = [
			['empty', new Uint8Array(0)],
			['unknown kind', new Uint8Array([7, 1, 2])],
			['chunk without a first', new Uint8Array([2, 1, 2])],
			['impossible size', Uint8Array.from([1, 0xff, 0xff, 0xff, 0xff, 0])],
			['short header', new Uint8Array([1, 0])]
		];
		for (const [name, frame] of cases) {
			const raw = new FakeChannel();
			const reasons: string[] = [];
			const channel = new ChunkedChannel(raw, { onViolation: (reason) => reasons.push(reason) });
			channel.onmessage = () => reasons.push('delivered');
			expect(() => raw.onmessage?.({ data: frame.slice().buffer }), name).not.toThrow();
			expect(reasons.length, name).toBe(1);
			expect(reasons[0], name).not.toBe('delivered');
			expect(raw.readyState, name).toBe('closed');
		}
		// More bytes than announced.
		const raw = new FakeChannel();
		const reasons: string[] = [];
		new ChunkedChannel(raw, { onViolation: (reason) => reasons.push(reason) });
		const first = new Uint8Array(10);
		first[0] = 1;
		new DataView(first.buffer).setUint32(1, 6);
		raw.onmessage?.({ data: first.buffer });
		raw.onmessage?.({ data: new Uint8Array([2, 1, 2, 3]).buffer });
		expect(reasons).toEqual(['more bytes than announced']);
		expect(MAX_MESSAGE_BYTES).toBeGreaterThan(64 * 1024 * 1024);
	});

	it('survives 5,000 random frames and still carries a message afterwards', () => {
		let violations = 0;
		for (let i = 0; i < 5_000; i++) {
			const raw = new FakeChannel();
			const channel = new ChunkedChannel(raw, { onViolation: () => violations++ });
			channel.onmessage = () => {};
			const frame = bytes(1 + (i % 40), i);
			expect(() => raw.onmessage?.({ data: frame.buffer })).not.toThrow();
			expect(() => raw.onmessage?.({ data: 'text' })).not.toThrow();
		}
		expect(violations).toBeGreaterThan(0);
		const { a, b } = pair();
		const sender = new ChunkedChannel(a);
		const receiver = new ChunkedChannel(b);
		let got: Uint8Array | null = null;
		receiver.onmessage = (event) => (got = new Uint8Array(event.data));
		sender.send(bytes(300_000, 9));
		settle(a);
		expect(got).toEqual(bytes(300_000, 9));
	});
});
