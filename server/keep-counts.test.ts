// The embedded relay's per-address keep counts: a quota per address that falls away after
// KEEP_WINDOW_MS, a count given back when the keep failed, expired addresses swept out.
import { describe, expect, it } from 'vitest';
import { KEEP_WINDOW_MS, KeepCounts } from './keep-counts';

describe('KeepCounts', () => {
	it('counts up to the quota per address, and the window ends the count', () => {
		const counts = new KeepCounts();
		const now = 1_000_000;
		expect([1, 2, 3].map(() => counts.take('a', 2, now))).toEqual([true, true, false]);
		expect(counts.take('b', 2, now)).toBe(true);
		expect(counts.take('a', 2, now + KEEP_WINDOW_MS - 1)).toBe(false);
		expect(counts.take('a', 2, now + KEEP_WINDOW_MS)).toBe(true);
	});

	it('a count given back can be taken again; a quota of 0 takes nothing', () => {
		const counts = new KeepCounts();
		expect(counts.take('a', 1, 0)).toBe(true);
		counts.giveBack('a');
		expect(counts.take('a', 1, 0)).toBe(true);
		expect(counts.take('z', 0, 0)).toBe(false);
	});
});
