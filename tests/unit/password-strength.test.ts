// Password links: whoever holds one can guess its password offline, so a weak one is refused
// (with a reason code), a strong passphrase is offered, and links made before still open.
import { describe, expect, it, vi } from 'vitest';
import * as capability from '../../src/lib/crypto/capability';
import * as links from '../../src/lib/crypto/links';
import * as strength from '../../src/lib/crypto/password-strength';

describe('password strength', () => {
	it('refuses empty and short passwords before estimating anything', () => {
		const estimate = vi.fn(() => 99);
		expect(strength.judge('', estimate)).toMatchObject({ ok: false, reason: 'empty' });
		expect(strength.judge('Xk9#mQ2$vL7', estimate)).toMatchObject({
			ok: false,
			reason: 'too-short'
		});
		// Twelve characters as people count them, not UTF-16 units.
		expect(strength.judge('🔑'.repeat(11), estimate)).toMatchObject({ reason: 'too-short' });
		expect(estimate).not.toHaveBeenCalled();
	});

	it('refuses long passwords that crackers try first', async () => {
		for (const password of [
			'password1234',
			'aaaaaaaaaaaa',
			'qwertyuiop12',
			'abcdefghijkl',
			'Summer2024!!',
			'ilovemydog123',
			'correct horse',
			'commonplace2026'
		])
			expect(await strength.check(password), password).toMatchObject({
				ok: false,
				reason: 'guessable'
			});
	});

	it('accepts passwords an offline attacker cannot reach', async () => {
		for (const password of [
			'MyDogRexLovesLongBeachWalks',
			'velvet-cactus-ribbon-orbit',
			'k8#Lm2!qZp9xW4'
		])
			expect((await strength.check(password)).ok, password).toBe(true);
	});

	it('suggests readable passphrases of at least 70 bits, from WebCrypto', async () => {
		const { words } = await strength.load();
		expect(words).toHaveLength(7776);
		expect(new Set(words).size).toBe(7776);
		expect(strength.passphraseBits(words.length)).toBeGreaterThanOrEqual(70);

		const spy = vi.spyOn(globalThis.crypto, 'getRandomValues');
		const phrase = await strength.passphrase();
		expect(spy).toHaveBeenCalled();
		spy.mockRestore();
		expect(phrase).toMatch(/^[a-z]+(-[a-z]+){5}$/);
		expect((await strength.check(phrase)).ok).toBe(true);
		expect(await strength.passphrase()).not.toBe(phrase);
	});

	it('draws every word with the same chance', () => {
		const seen = new Map<number, number>();
		for (let i = 0; i < 60_000; i++) {
			const n = strength.randomIndex(6);
			seen.set(n, (seen.get(n) ?? 0) + 1);
		}
		expect([...seen.keys()].sort()).toEqual([0, 1, 2, 3, 4, 5]);
		for (const count of seen.values()) expect(Math.abs(count - 10_000)).toBeLessThan(600);
		const fixed = [3, 0, 2, 1, 3, 0];
		expect(strength.generatePassphrase(['a', 'b', 'c', 'd'], 6, () => fixed.shift() ?? 0)).toBe(
			'd-a-c-b-d-a'
		);
	});
});

describe('protected links', () => {
	const cap = capability.fromSecret(new Uint8Array(32).fill(7));
	const view = links.format(capability.toView(cap));

	it('refuses to protect a link with a weak password, with its reason', async () => {
		for (const [password, reason] of [
			['password1234', 'guessable'],
			['open sesame', 'too-short'],
			['', 'empty']
		] as const) {
			const refused = await links.protect(view, password).then(
				(link) => `accepted: ${link}`,
				(error: unknown) => error
			);
			expect((refused as { reason?: unknown }).reason, `"${password}" → ${refused}`).toBe(reason);
			expect(refused).toBeInstanceOf(Error);
		}
	});

	it('protects with a strong password, and opens it again', async () => {
		const password = await strength.passphrase();
		const parsed = links.parse(await links.protect(view, password));
		expect(parsed.ok).toBe('password');
		if (parsed.ok !== 'password') return;
		const opened = await links.unprotect(parsed.payload, password);
		expect(opened.ok && links.format(opened.cap)).toBe(view);
	});

	it('still opens a link protected with a weak password by an earlier version', async () => {
		// Made by the previous links.protect(view, 'open sesame', salt 0x01…, nonce 0x02…).
		const old =
			'p1.AQEBAQEBAQEBAQEBAQEBAQICAgICAgICAgICAgICAgICAgICAgICApkXoGw1VtBJ8hIy6tflqhtMxh-iJJNmf-IQ1CUfVH6emFaxij6pvMKdb95qJWF2_l9NTlP2n-Q8k289BFR4v3hCoqDJRfYI5t6wHaWWUGtd3m6iWNtY2pKnJAWqMfuIQhvRu0-ZX9LMsQ';
		const parsed = links.parse(`#${old}`);
		expect(parsed.ok).toBe('password');
		if (parsed.ok !== 'password') return;
		const opened = await links.unprotect(parsed.payload, 'open sesame');
		expect(opened.ok && links.format(opened.cap)).toBe(view);
	});
});
