// The embedded relay's per-address keep counts: a quota per address that falls away after
// KEEP_WINDOW_MS, a count given back when the keep failed, expired addresses swept out.
import { describe, expect, it } from 'vitest';
import { addressKey } from './gate.js';
import { KEEP_WINDOW_MS, KeepCounts, keepQuotaKey } from './keep-counts';

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

describe('keepQuotaKey', () => {
	it('counts IPv6 by /48 and IPv4 as is', () => {
		expect(keepQuotaKey(addressKey('2001:db8:4a00:1::1'))).toBe('2001:db8:4a00::/48');
		expect(keepQuotaKey(addressKey('2001:db8:4a00:ff::1'))).toBe('2001:db8:4a00::/48');
		expect(keepQuotaKey(addressKey('2001:db8:4a01:1::1'))).toBe('2001:db8:4a01::/48');
		expect(keepQuotaKey(addressKey('::ffff:198.51.100.7'))).toBe('198.51.100.7');
		expect(keepQuotaKey(addressKey('::1'))).toBe('0:0:0::/48');
		expect(keepQuotaKey('unknown')).toBe('unknown');
	});
});
