// Hostile presence for the adversary suite: states that a reader (anyone with a view link, who
// can seal anything under readKey) or a blind relay (who can only copy sealed states and change
// the client ids and clocks around them) can put into a room's awareness. Poison carets, wrong
// shapes, replays under other ids, stale and future times, copied device tags, and a seeded
// generator of all of them.
import * as decoding from 'lib0/decoding';
import * as prng from 'lib0/prng';
import { deviceTag, sealPresence } from '../../src/lib/crypto/presence';
import { awarenessUpdate } from './peer';

export { deviceTag };

/** A well-formed opened state for client `id` at time `t` (the fields a sender seals). */
export function honestState(id: number, t: number, overrides: Record<string, unknown> = {}) {
	return {
		user: { name: 'Honest', color: '#0090ff' },
		page: null,
		role: 'edit',
		id,
		t,
		...overrides
	} as Record<string, unknown>;
}

/**
 * Carets that are not exactly two Yjs relative positions. The first froze editors: Yjs throws
 * on a position with no type, name or item.
 */
export const POISON_CURSORS: unknown[] = [
	{ anchor: {}, head: {} },
	{ anchor: { item: {} }, head: { item: {} } },
	{ anchor: { type: {} }, head: { type: {} } },
	{ anchor: { item: { client: -1, clock: 0 } }, head: { item: { client: 1, clock: 0 } } },
	{ anchor: { item: { client: 1, clock: -1 } }, head: { item: { client: 1, clock: 0 } } },
	{ anchor: { item: { client: 2 ** 32, clock: 0 } }, head: { item: { client: 1, clock: 0 } } },
	{ anchor: { item: { client: 1.5, clock: 0 } }, head: { item: { client: 1, clock: 0 } } },
	{ anchor: { item: { client: 1, clock: 2 ** 53 } }, head: { item: { client: 1, clock: 0 } } },
	{ anchor: { item: { client: '1', clock: 0 } }, head: { item: { client: 1, clock: 0 } } },
	{ anchor: { item: { client: 1, clock: 0, x: 1 } }, head: { item: { client: 1, clock: 0 } } },
	{ anchor: { item: { client: 1, clock: 0 }, extra: 1 }, head: { item: { client: 1, clock: 0 } } },
	{ anchor: { tname: 'x'.repeat(65) }, head: { tname: 'log' } },
	{ anchor: { tname: '' }, head: { tname: '' } },
	{ anchor: { tname: 7 }, head: { tname: 7 } },
	{ anchor: { type: { client: 1, clock: 0 }, tname: 'both' }, head: { tname: 'x' } },
	{
		anchor: { item: { client: 1, clock: 0 }, assoc: 0.5 },
		head: { item: { client: 1, clock: 0 } }
	},
	{ anchor: { item: { client: 1, clock: 0 }, assoc: 2 ** 40 }, head: { tname: 'x' } },
	{ anchor: { item: { client: 1, clock: 0 }, assoc: '0' }, head: { tname: 'x' } },
	{ anchor: [1, 2], head: [1, 2] },
	{ anchor: 'x', head: 'y' },
	{ anchor: null, head: null },
	{ anchor: { item: { client: 1, clock: 0 } } },
	{ anchor: { item: { client: 1, clock: 0 } }, head: { item: { client: 1, clock: 0 } }, x: 1 },
	JSON.parse('{"anchor":{"__proto__":{"item":{"client":1,"clock":0}}},"head":{"tname":"x"}}'),
	[],
	'cursor',
	42
];

/** Whole states of the wrong shape (each breaks one field). */
export const BAD_STATES: Array<Record<string, unknown>> = [
	{ user: 'Eve' },
	{ user: { name: 42, color: '#000000' } },
	{ user: { name: 'Eve' } },
	{ user: { name: 'Eve', color: 7 } },
	{ user: null },
	{ role: 'admin' },
	{ role: 1 },
	{ page: 42 },
	{ page: '<script>' },
	{ page: 'x'.repeat(65) },
	{ device: 'not-hex' },
	{ device: '0'.repeat(15) },
	{ device: 'ABCDEF0123456789' },
	{ id: -1 },
	{ id: 2 ** 32 },
	{ id: '7' },
	{ t: -5 },
	{ t: 1.5 },
	{ t: '1' }
];

/** A sealed state as it rides the awareness: `{ s: ... }`. */
export const sealed = (readKey: Uint8Array, json: unknown) => ({ s: sealPresence(readKey, json) });

/** An awareness update carrying one sealed state (or null) for `client` at `clock`. */
export function sealedUpdate(client: number, clock: number, state: unknown): Uint8Array {
	return awarenessUpdate([{ client, clock, json: state === null ? null : JSON.stringify(state) }]);
}

/**
 * What a blind relay can do with an awareness update it carried: the same sealed states (it
 * cannot open them), under other client ids and clocks.
 */
export function replayUnder(update: Uint8Array, client: number, clock: number): Uint8Array {
	const decoder = decoding.createDecoder(update);
	const count = decoding.readVarUint(decoder);
	const states: Array<{ client: number; clock: number; json: string | null }> = [];
	for (let i = 0; i < count; i++) {
		decoding.readVarUint(decoder);
		decoding.readVarUint(decoder);
		states.push({ client: client + i, clock, json: decoding.readVarString(decoder) });
	}
	return awarenessUpdate(states);
}

/** The sealed states of an awareness update, by client id (JSON text). */
export function statesOf(update: Uint8Array): Map<number, { clock: number; json: string }> {
	const decoder = decoding.createDecoder(update);
	const out = new Map<number, { clock: number; json: string }>();
	for (let i = decoding.readVarUint(decoder); i > 0; i--) {
		const client = decoding.readVarUint(decoder);
		const clock = decoding.readVarUint(decoder);
		out.set(client, { clock, json: decoding.readVarString(decoder) });
	}
	return out;
}

/**
 * A reader's impersonation: a state of its own (under its own client id, well formed and
 * fresh) that carries the victim's device tag, to be shown as "you, in another tab" on the
 * victim's screen and hidden from its people list.
 */
export function copiedDeviceTag(
	readKey: Uint8Array,
	victimTag: string,
	attacker: number,
	t: number
): { s: string } {
	return sealed(
		readKey,
		honestState(attacker, t, { user: { name: 'Ada', color: '#0090ff' }, device: victimTag })
	);
}

/**
 * One hostile presence value for client `client`, from `gen`: a poison caret, a wrong shape, a
 * wrong id, a stale or future time, junk that does not open, or a state sealed under another
 * key. `now` is the receiver's clock; `readKey` the space's.
 */
export function randomPresence(
	gen: prng.PRNG,
	readKey: Uint8Array,
	client: number,
	now: number
): unknown {
	const base = () => honestState(client, now + prng.int32(gen, -60_000, 60_000));
	switch (prng.int32(gen, 0, 9)) {
		case 0:
			return sealed(readKey, { ...base(), cursor: prng.oneOf(gen, POISON_CURSORS) });
		case 1:
			return sealed(readKey, { ...base(), ...prng.oneOf(gen, BAD_STATES) });
		case 2:
			return sealed(readKey, { ...base(), id: client ^ (1 + prng.uint32(gen, 0, 0xfffe)) });
		case 3:
			return sealed(readKey, {
				...base(),
				t: now + (prng.bool(gen) ? 1 : -1) * prng.int53(gen, 300_001, 10 ** 12)
			});
		case 4:
			return { s: 'A'.repeat(prng.int32(gen, 0, 200)) };
		case 5:
			return sealed(prng.uint8Array(gen, 32), base());
		case 6:
			return prng.oneOf(gen, [
				{},
				{ s: 42 },
				{ s: null },
				{ s: 'x', extra: 1 },
				{ cursor: { anchor: {}, head: {} } },
				{ user: { name: 'Plain', color: '#000000' }, role: 'edit', page: null }
			]);
		case 7: {
			// Right shape, but the caret points at items nobody has.
			const id = () => ({
				client: prng.uint32(gen, 0, 0xffffffff),
				clock: prng.int32(gen, 0, 1e6)
			});
			return sealed(readKey, {
				...base(),
				cursor: { anchor: { item: id() }, head: { type: id() } }
			});
		}
		case 8:
			return sealed(readKey, {
				...base(),
				user: { name: prng.utf16String(gen, 200), color: prng.word(gen, 0, 8) }
			});
		default:
			return sealed(readKey, prng.oneOf(gen, [null, 42, 'text', [1, 2], true]));
	}
}
