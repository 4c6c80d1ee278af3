// The chunked channel against a hostile sender: a five-byte frame announcing 256 MiB, and a big
// message that stops arriving. Memory held must follow the bytes that arrived, for a while only.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ChunkedChannel, PART_TIMEOUT_MS } from '../../../src/lib/sync/chunked-channel';
import { FakeChannel, frames, memoryBombFirstFrame, neverFinishing } from '../../adversary/peer';

const MiB = 1024 * 1024;
const arrayBuffers = () => process.memoryUsage().arrayBuffers;

function receiver() {
	const raw = new FakeChannel();
	const violations: string[] = [];
	const delivered: Uint8Array[] = [];
	const channel = new ChunkedChannel(raw, { onViolation: (reason) => violations.push(reason) });
	channel.onmessage = (event) => delivered.push(new Uint8Array(event.data));
	return { raw, channel, violations, delivered };
}

afterEach(() => vi.useRealTimers());

describe('reassembly against a hostile sender', () => {
	it('does not allocate what a five-byte first frame announces', () => {
		const open: Array<ReturnType<typeof receiver>> = [];
		const before = arrayBuffers();
		// Eight connections, each announcing 256 MiB: the old receiver took 2 GiB at once.
		for (let i = 0; i < 8; i++) {
			const r = receiver();
			r.raw.deliver(memoryBombFirstFrame());
			open.push(r);
		}
		const grown = arrayBuffers() - before;
		expect(grown).toBeLessThan(16 * MiB);
		for (const r of open) {
			expect(r.violations).toEqual([]);
			r.channel.close();
		}
	});

	it('holds about as much as arrived, and still delivers a big message intact', () => {
		const r = receiver();
		// 1 MiB of a message announced as 200 MiB: at most twice that is held.
		for (const frame of neverFinishing(200 * MiB, MiB)) r.raw.deliver(frame);
		expect(r.channel.reassemblyBytes).toBeGreaterThanOrEqual(MiB);
		expect(r.channel.reassemblyBytes).toBeLessThanOrEqual(2 * MiB);
		r.channel.close();
		expect(r.channel.reassemblyBytes).toBe(0);
		// A whole 3 MiB message, in parts, arrives byte for byte.
		const whole = receiver();
		const message = Uint8Array.from({ length: 3 * MiB }, (_, i) => (i * 7) & 0xff);
		const part = 64 * 1024;
		whole.raw.deliver(frames.first(message.length, message.subarray(0, part - 5)));
		for (let at = part - 5; at < message.length; at += part - 1) {
			whole.raw.deliver(frames.next(message.subarray(at, Math.min(at + part - 1, message.length))));
		}
		expect(whole.violations).toEqual([]);
		expect(whole.delivered.length).toBe(1);
		expect(Buffer.from(whole.delivered[0] as Uint8Array).equals(Buffer.from(message))).toBe(true);
	});

	it('drops a message that stops arriving and closes the connection', () => {
		vi.useFakeTimers();
		const r = receiver();
		for (const frame of neverFinishing(10 * MiB, MiB)) r.raw.deliver(frame);
		vi.advanceTimersByTime(PART_TIMEOUT_MS - 1);
		expect(r.raw.readyState).toBe('open');
		vi.advanceTimersByTime(1);
		expect(r.violations).toEqual(['a message that stopped arriving']);
		expect(r.raw.readyState).toBe('closed');
		expect(r.delivered).toEqual([]);
	});

	it('waits as long as parts keep coming, however slowly', () => {
		vi.useFakeTimers();
		const r = receiver();
		const part = new Uint8Array(1000);
		r.raw.deliver(frames.first(6 * 1000, part));
		for (let i = 0; i < 5; i++) {
			vi.advanceTimersByTime(PART_TIMEOUT_MS - 1_000);
			r.raw.deliver(frames.next(part));
		}
		vi.advanceTimersByTime(10 * PART_TIMEOUT_MS);
		expect(r.violations).toEqual([]);
		expect(r.delivered.map((m) => m.length)).toEqual([6_000]);
		expect(r.raw.readyState).toBe('open');
	});
});
