import { afterEach, describe, expect, it, vi } from 'vitest';
import { quietWarn } from '../../src/lib/sync/quiet-warn';

afterEach(() => vi.restoreAllMocks());

describe('quietWarn', () => {
	it('writes each message once per period, however often a stranger causes it', () => {
		const written = vi.spyOn(console, 'warn').mockImplementation(() => {});
		let now = 0;
		const warn = quietWarn(60_000, () => now);
		for (let i = 0; i < 10_000; i++) warn('Dropped a peer message: malformed');
		warn('Dropped a peer message: unknown-type');
		expect(written.mock.calls.map((call) => call[0])).toEqual([
			'Dropped a peer message: malformed',
			'Dropped a peer message: unknown-type'
		]);
		now = 59_999;
		warn('Dropped a peer message: malformed');
		expect(written).toHaveBeenCalledTimes(2);
		now = 60_000;
		warn('Dropped a peer message: malformed');
		expect(written).toHaveBeenCalledTimes(3);
	});

	it('keeps at most 256 messages in mind: past that it starts over', () => {
		const written = vi.spyOn(console, 'warn').mockImplementation(() => {});
		const warn = quietWarn(60_000, () => 0);
		warn('first');
		warn('first');
		expect(written).toHaveBeenCalledTimes(1);
		for (let i = 0; i < 256; i++) warn(`reason ${i}`);
		warn('first'); // the 257th message cleared what was in mind: written again
		expect(written).toHaveBeenCalledTimes(1 + 256 + 1);
	});
});
