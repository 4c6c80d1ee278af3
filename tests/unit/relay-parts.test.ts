// A relay sends big frames (a whole history) as PARTs, so the app can show a first sync arriving
// (sync/relay-wire.ts). The relay is a stranger: parts are checked against the frame in
// progress, memory grows only with what arrived, and a relay that stops mid-frame is let go.
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as capability from '../../src/lib/crypto/capability';
import { createLogDoc } from '../../src/lib/log/log-doc';
import { RelaySession } from '../../src/lib/sync/relay-session';
import {
	decodeFrame,
	encodeFrame,
	FRAME,
	framesOf,
	MAX_FRAME_BYTES,
	PART_BYTES,
	PART_TIMEOUT_MS,
	PartAssembler
} from '../../src/lib/sync/relay-wire';

/** Deterministic bytes (seeded): the same run every time. */
function bytes(length: number, seed: number): Uint8Array {
	const out = new Uint8Array(length);
	let x = seed >>> 0 || 1;
	for (let i = 0; i < length; i++) {
		x ^= x << 13;
		x ^= x >>> 17;
		x ^= x << 5;
		out[i] = x & 0xff;
	}
	return out;
}

const part = (total: number, piece: Uint8Array) =>
	encodeFrame({ type: FRAME.part, total, bytes: piece });

afterEach(() => vi.useRealTimers());

describe('relay PARTs', () => {
	it('split and put back together give the frame, for sizes around the part size', () => {
		for (const [i, size] of [1, PART_BYTES, PART_BYTES + 1, 3 * PART_BYTES - 7].entries()) {
			const frame = encodeFrame({ type: FRAME.sync, message: bytes(size, i + 1) });
			const frames = framesOf(frame);
			expect(frames.length).toBe(
				frame.length <= PART_BYTES ? 1 : Math.ceil(frame.length / PART_BYTES)
			);
			if (frames.length === 1) {
				expect(frames[0]).toBe(frame);
				continue;
			}
			const assembler = new PartAssembler();
			let whole: Uint8Array | 'more' | 'violation' = 'more';
			for (const each of frames) {
				const decoded = decodeFrame(each);
				if (decoded?.type !== FRAME.part) throw new Error('not a part');
				whole = assembler.add(decoded.total, decoded.bytes);
			}
			if (!(whole instanceof Uint8Array)) throw new Error(`not whole: ${whole}`);
			expect(Buffer.compare(whole, frame)).toBe(0);
			expect(assembler.progress).toBeNull();
		}
	});

	it('refuses parts that do not fit: past the end, another total, empty, over the frame cap', () => {
		const assembler = new PartAssembler();
		expect(assembler.add(10, bytes(4, 1))).toBe('more');
		expect(assembler.progress).toEqual({ received: 4, total: 10 });
		expect(assembler.add(11, bytes(4, 2))).toBe('violation');
		expect(assembler.progress).toBeNull();
		expect(assembler.add(10, bytes(8, 3))).toBe('more');
		expect(assembler.add(10, bytes(3, 4))).toBe('violation');
		expect(decodeFrame(part(10, new Uint8Array(0)))).toBeNull();
		expect(decodeFrame(part(3, bytes(4, 5)))).toBeNull();
		expect(decodeFrame(part(MAX_FRAME_BYTES + 1, bytes(1, 6)))).toBeNull();
	});

	it('a hostile relay: a huge announced total costs only what arrived, a part inside parts is dropped, a stall is let go', () => {
		vi.useFakeTimers();
		const log = createLogDoc();
		const cap = capability.toRelay(capability.fromSecret(capability.newSecret()));
		const session = new RelaySession({ log, cap, keep: false, send: () => {} });
		const progress: Array<{ received: number; total: number } | null> = [];
		const dropped: string[] = [];
		session.on('receiving', (p) => progress.push(p));
		session.on('dropped', (reason) => dropped.push(reason));

		// 64 MiB announced, one byte sent: nothing to report yet (progress goes by 64 KiB).
		session.receive(part(MAX_FRAME_BYTES, bytes(1, 7)));
		expect(progress).toEqual([]);
		// 70,000 bytes: reported; then the relay stops, and what arrived is let go.
		session.receive(part(MAX_FRAME_BYTES, bytes(69_999, 7)));
		expect(progress.at(-1)).toEqual({ received: 70_000, total: MAX_FRAME_BYTES });
		vi.advanceTimersByTime(PART_TIMEOUT_MS + 1);
		expect(progress.at(-1)).toBeNull();
		expect(dropped).toEqual(['timeout']);

		// A PART whose pieces make up another PART is malformed, not handled.
		const inner = part(5, bytes(5, 8));
		session.receive(part(inner.length, inner));
		expect(dropped).toEqual(['timeout', 'malformed']);

		// Pieces of two frames mixed: dropped, and the next frame is read afresh.
		session.receive(part(100, bytes(50, 9)));
		session.receive(part(200, bytes(50, 10)));
		expect(dropped).toEqual(['timeout', 'malformed', 'malformed']);
		session.destroy();
		log.destroy();
	});
});
