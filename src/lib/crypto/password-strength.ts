// How strong the password of a `p1` link must be, and a strong passphrase to offer instead.
// Whoever holds a p1 link can guess its password offline, without limit: PBKDF2-SHA-256 at
// 600,000 rounds costs a current GPU about 1/15,000 s a guess. So a password needs at least 12
// characters AND an estimate of at least 10^12 guesses (about two GPU-years) from zxcvbn-ts,
// which knows the common passwords, keyboard walks, repeats, sequences and dates that crackers
// try first. Pure (no DOM); zxcvbn-ts and its dictionaries are loaded the first time they are
// needed, so they stay out of every bundle that does not make a protected link.

export const MIN_LENGTH = 12;
export const MIN_GUESSES_LOG10 = 12;
/** Six words of 7,776: 77.5 bits, past the 70 a passphrase must have. */
export const PASSPHRASE_WORDS = 6;

/** Why a password is refused; the UI turns these into sentences. */
export type Weakness = 'empty' | 'too-short' | 'guessable';
export type Verdict =
	{ ok: true; guessesLog10: number } | { ok: false; reason: Weakness; guessesLog10: number | null };
/** log10 of the guesses an attacker who knows common passwords needs for this one. */
export type Estimator = (password: string) => number;

export function judge(password: string, estimate: Estimator): Verdict {
	if (password === '') return { ok: false, reason: 'empty', guessesLog10: null };
	// Characters as people count them, not UTF-16 units.
	if ([...password].length < MIN_LENGTH)
		return { ok: false, reason: 'too-short', guessesLog10: null };
	const guessesLog10 = estimate(password);
	return guessesLog10 >= MIN_GUESSES_LOG10
		? { ok: true, guessesLog10 }
		: { ok: false, reason: 'guessable', guessesLog10 };
}

/** Bits of a passphrase of `count` words drawn uniformly and independently from `listSize`. */
export const passphraseBits = (listSize: number, count = PASSPHRASE_WORDS): number =>
	count * Math.log2(listSize);

/** A uniform index below n from WebCrypto (rejection sampling: no modulo bias). */
export function randomIndex(n: number): number {
	if (!Number.isInteger(n) || n < 1 || n > 0x1_0000_0000) throw new RangeError(`bad range ${n}`);
	const limit = Math.floor(0x1_0000_0000 / n) * n;
	const word = new Uint32Array(1);
	for (;;) {
		globalThis.crypto.getRandomValues(word);
		if ((word[0] as number) < limit) return (word[0] as number) % n;
	}
}

/** Words joined by hyphens: easy to read aloud, to type, and to tell someone another way. */
export function generatePassphrase(
	words: readonly string[],
	count = PASSPHRASE_WORDS,
	random: (n: number) => number = randomIndex
): string {
	if (words.length < 2) throw new RangeError('A passphrase needs a word list');
	return Array.from({ length: count }, () => words[random(words.length)] as string).join('-');
}

interface Kit {
	estimate: Estimator;
	/** The EFF large word list (7,776 words), from the same package as the dictionaries. */
	words: readonly string[];
}

let kit: Promise<Kit> | null = null;

/** zxcvbn-ts with its language-independent dictionaries, loaded once, on first use. */
export function load(): Promise<Kit> {
	kit ??= (async () => {
		const [{ ZxcvbnFactory }, common] = await Promise.all([
			import('@zxcvbn-ts/core'),
			import('@zxcvbn-ts/language-common')
		]);
		const zxcvbn = new ZxcvbnFactory({
			dictionary: { ...common.dictionary },
			graphs: common.adjacencyGraphs
		});
		return {
			estimate: (password: string) => zxcvbn.check(password, ['commonplace']).guessesLog10,
			words: common.dictionary['diceware-common']
		};
	})();
	const loading = kit;
	// A load that failed (offline before the files were cached) is tried again next time.
	loading.catch((error: unknown) => {
		console.warn('The password checker could not be loaded', error);
		if (kit === loading) kit = null;
	});
	return loading;
}

export async function check(password: string): Promise<Verdict> {
	return judge(password, (await load()).estimate);
}

export async function passphrase(): Promise<string> {
	return generatePassphrase((await load()).words);
}
