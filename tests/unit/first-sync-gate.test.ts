import { afterEach, describe, expect, it, vi } from 'vitest';
import { FirstSyncGate } from '../../src/lib/sync/first-sync-gate';

const step1 = (tag: number) => new Uint8Array([0, 0, tag]);
const step2 = new Uint8Array([0, 1, 9]);
const update = new Uint8Array([0, 2, 9]);
const awareness = new Uint8Array([1, 5]);

afterEach(() => {
	vi.useRealTimers();
});

describe('FirstSyncGate', () => {
	it('lets one step 1 out at a time and sends the others fresh once it is answered', () => {
		vi.useFakeTimers();
		let fresh = 100;
		const gate = new FirstSyncGate(() => step1(fresh++));
		const [a, b, c] = [{}, {}, {}];
		const sent: Array<[object, number]> = [];
		const sender = (channel: object) => (message: Uint8Array) =>
			sent.push([channel, message[2] as number]);
		expect(gate.outgoing(a, step1(1), sender(a))).toBe(true);
		expect(gate.outgoing(b, step1(2), sender(b))).toBe(false);
		expect(gate.outgoing(c, step1(3), sender(c))).toBe(false);
		// Everything else passes while they wait.
		expect(gate.outgoing(b, awareness, sender(b))).toBe(true);
		expect(gate.outgoing(c, update, sender(c))).toBe(true);
		expect(gate.waiting).toBe(2);
		gate.incoming(b, step2); // not the one outstanding: nothing moves
		expect(sent).toEqual([]);
		gate.incoming(a, step2);
		expect(sent).toEqual([]); // not before the answer is in the document (a later turn)
		vi.advanceTimersByTime(0);
		expect(sent).toEqual([[b, 100]]); // a fresh state vector, not the stale one
		gate.closed(b); // b leaves before answering: c goes next
		expect(sent).toEqual([
			[b, 100],
			[c, 101]
		]);
		gate.incoming(c, step2);
		vi.advanceTimersByTime(0);
		expect(gate.waiting).toBe(0);
		// And with nothing outstanding, a step 1 goes straight out.
		expect(gate.outgoing(b, step1(4), sender(b))).toBe(true);
		gate.destroy();
	});

	it('does not let a silent peer hold the others up', () => {
		vi.useFakeTimers();
		const gate = new FirstSyncGate(() => step1(7), 10_000);
		const sent: object[] = [];
		const [a, b] = [{}, {}];
		gate.outgoing(a, step1(1), () => sent.push(a));
		gate.outgoing(b, step1(2), () => sent.push(b));
		vi.advanceTimersByTime(9_999);
		expect(sent).toEqual([]);
		vi.advanceTimersByTime(1);
		expect(sent).toEqual([b]);
		gate.destroy();
	});

	it('moves on when a waiting channel cannot send any more', () => {
		vi.useFakeTimers();
		const gate = new FirstSyncGate(() => step1(7));
		const [a, b, c] = [{}, {}, {}];
		const sent: object[] = [];
		gate.outgoing(a, step1(1), () => sent.push(a));
		gate.outgoing(b, step1(2), () => {
			throw new Error('closed');
		});
		gate.outgoing(c, step1(3), () => sent.push(c));
		gate.incoming(a, step2);
		vi.advanceTimersByTime(0);
		expect(sent).toEqual([c]);
		gate.destroy();
	});
});
