// The one place errors become sentences (session/messages.ts): it recognises the errors of
// the rooms below by name, not by class (so pages do not pull those modules in), and this checks
// the names against the real classes.
import { describe, expect, it } from 'vitest';
import * as messages from '../../src/lib/session/messages';
import { PasswordRefused } from '../../src/lib/crypto/links';
import { StoreError } from '../../src/lib/storage/log-store';

describe('describe(error)', () => {
	it('says an error written for people as it is, and anything else as text', () => {
		expect(messages.describe(new Error('This space is no longer on this device.'))).toBe(
			'This space is no longer on this device.'
		);
		expect(messages.describe(new TypeError(''))).toBe('TypeError');
		expect(messages.describe('offline')).toBe('offline');
		expect(messages.describe(undefined)).toBe('undefined');
	});

	it("turns a store's reason codes into sentences, keeping the browser's words for a failure", () => {
		expect(messages.describe(new StoreError('full', 'QuotaExceededError'))).toBe(
			messages.describeStore('full')
		);
		expect(messages.describe(new StoreError('closed'))).toBe(messages.describeStore('closed'));
		expect(messages.describe(new StoreError('failed'))).toBe(
			'This browser’s storage failed. Reload the page and try again.'
		);
		expect(messages.describe(new StoreError('failed', 'The transaction was aborted.'))).toBe(
			'This browser’s storage failed (The transaction was aborted.). Reload the page and try again.'
		);
		expect(
			messages.describe(new DOMException('The quota has been exceeded.', 'QuotaExceededError'))
		).toBe(messages.describeStore('full'));
	});

	it('turns a refused password into the advice the share dialog shows', () => {
		for (const reason of ['empty', 'too-short', 'guessable'] as const) {
			expect(messages.describe(new PasswordRefused(reason))).toBe(
				messages.describePassword(reason)
			);
		}
		expect(messages.describePassword('too-short')).toBe('Too short: use at least 12 characters.');
	});

	it('does not mistake an unrelated error with a reason for a coded one', () => {
		const odd = Object.assign(new Error('Something else happened.'), { reason: 'full' });
		expect(messages.describe(odd)).toBe('Something else happened.');
	});
});
