// Hostile presence against the real checks and the real Presence mirror: poison carets, wrong
// shapes, replays under another id, stale and future times, older states, copied device tags.
import { createHash } from 'node:crypto';
import nacl from 'tweetnacl';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import {
	checkCursor,
	checkPresence,
	checkRelativePosition,
	checkSealedPresence
} from '../../../src/lib/sync/presence-check';
import { openPresence } from '../../../src/lib/crypto/presence';
import { MAX_CLOCK_SKEW_MS, MAX_STATES, Presence, RESEAL_MS } from '../../../src/lib/sync/presence';
import {
	BAD_STATES,
	copiedDeviceTag,
	deviceTag,
	honestState,
	POISON_CURSORS,
	replayUnder,
	sealed,
	sealedUpdate,
	statesOf
} from '../../adversary/presence';
import { awarenessUpdate } from '../../adversary/peer';

const NOW = 1_750_000_000_000;
const key = nacl.randomBytes(32);

/** A receiving tab whose clock reads `clock.now`. */
function receiver(options: { device?: Uint8Array; spaceId?: string } = {}) {
	const clock = { now: NOW };
	const presence = new Presence(new Y.Doc(), new Y.Doc(), key, {
		now: () => clock.now,
		...(options.device
			? { device: { secret: options.device, spaceId: options.spaceId ?? 's' } }
			: {})
	});
	const apply = (update: Uint8Array) =>
		awarenessProtocol.applyAwarenessUpdate(presence.sealed, update, 'remote');
	const names = () => presence.peers().map((peer) => peer.user.name);
	return { presence, clock, apply, names };
}

const open: Array<{ presence: Presence }> = [];
afterEach(() => {
	for (const { presence } of open.splice(0)) presence.destroy();
	vi.useRealTimers();
});

/** Real carets, as y-prosemirror makes them, in both forms a sender may write them. */
function realCarets() {
	const doc = new Y.Doc();
	const body = doc.getMap('bodies').set('p', new Y.XmlFragment());
	const text = new Y.XmlText('hello');
	const paragraph = new Y.XmlElement('paragraph');
	paragraph.insert(0, [text]);
	body.insert(0, [paragraph]);
	const positions = [
		Y.createRelativePositionFromTypeIndex(text, 2),
		Y.createRelativePositionFromTypeIndex(body, 0, -1),
		Y.createRelativePositionFromTypeIndex(text, 5, -1)
	];
	return positions.flatMap((position) => [
		Y.relativePositionToJSON(position),
		JSON.parse(JSON.stringify(position)) as unknown
	]);
}

describe('exact shapes', () => {
	it('accepts the relative positions Yjs writes, in both JSON forms', () => {
		for (const position of realCarets()) {
			expect(checkRelativePosition(position), JSON.stringify(position)).not.toBeNull();
			expect(checkCursor({ anchor: position, head: position })).not.toBeNull();
		}
		// Null keys are left out of the checked copy, as Y.relativePositionToJSON leaves them.
		expect(
			checkRelativePosition({ type: null, tname: null, item: { client: 3, clock: 4 }, assoc: 0 })
		).toEqual({ item: { client: 3, clock: 4 }, assoc: 0 });
	});

	it('drops every poison caret, and keeps the person', () => {
		for (const cursor of POISON_CURSORS) {
			expect(checkCursor(cursor), JSON.stringify(cursor)).toBeNull();
			const state = checkPresence({ ...honestState(1, NOW), cursor });
			expect(state, JSON.stringify(cursor)).not.toBeNull();
			expect(state?.cursor, JSON.stringify(cursor)).toBeUndefined();
		}
	});

	it('refuses a state with any field of the wrong type, and copies no unknown field', () => {
		for (const bad of BAD_STATES) {
			expect(
				checkSealedPresence({ ...honestState(1, NOW), ...bad }),
				JSON.stringify(bad)
			).toBeNull();
		}
		expect(checkSealedPresence({ user: { name: 'A', color: '#000000' }, role: 'edit' })).toBeNull();
		const checked = checkSealedPresence({ ...honestState(5, NOW), evil: { x: 1 } });
		expect(checked).toEqual({
			state: { user: { name: 'Honest', color: '#0090ff' }, page: null, role: 'edit' },
			id: 5,
			t: NOW
		});
	});
});

describe('the Presence mirror', () => {
	it('shows a poisoned caret’s sender without the caret; the mirror only holds checked copies', () => {
		const r = receiver();
		open.push(r);
		r.apply(
			sealedUpdate(7, 1, sealed(key, { ...honestState(7, NOW), cursor: { anchor: {}, head: {} } }))
		);
		expect(r.names()).toEqual(['Honest']);
		expect(r.presence.opened.getStates().get(7)).toEqual({
			user: { name: 'Honest', color: '#0090ff' },
			page: null,
			role: 'edit'
		});
	});

	it('refuses a sealed state replayed under another client id (a blind relay)', async () => {
		const r = receiver();
		open.push(r);
		const original = sealedUpdate(7, 1, sealed(key, honestState(7, NOW)));
		r.apply(original);
		r.apply(replayUnder(original, 8, 1));
		expect(r.presence.peers().map((peer) => peer.clientId)).toEqual([7]);
		expect(r.presence.refused['other-id']).toBe(1);
		// It is not kept for y-webrtc to hand to newcomers either.
		await Promise.resolve();
		expect(r.presence.sealed.getStates().has(8)).toBe(false);
		expect(r.presence.sealed.getStates().has(7)).toBe(true);
	});

	it('refuses states too old or too far in the future, and accepts a skew within five minutes', () => {
		const r = receiver();
		open.push(r);
		r.apply(sealedUpdate(1, 1, sealed(key, honestState(1, NOW - MAX_CLOCK_SKEW_MS - 1))));
		r.apply(sealedUpdate(2, 1, sealed(key, honestState(2, NOW + MAX_CLOCK_SKEW_MS + 1))));
		expect(r.names()).toEqual([]);
		expect(r.presence.refused['stale-time']).toBe(2);
		r.apply(sealedUpdate(3, 1, sealed(key, honestState(3, NOW - MAX_CLOCK_SKEW_MS + 1_000))));
		r.apply(sealedUpdate(4, 1, sealed(key, honestState(4, NOW + 60_000))));
		expect(r.presence.peers().map((peer) => peer.clientId)).toEqual([3, 4]);
	});

	it('refuses a state older than one accepted, and one brought back after its sender left', async () => {
		const r = receiver();
		open.push(r);
		const older = sealed(key, honestState(7, NOW - 20_000, { page: 'old-page' }));
		const newer = sealed(key, honestState(7, NOW - 10_000, { page: 'new-page' }));
		r.apply(sealedUpdate(7, 1, newer));
		// A relay replays the older state with a higher clock (clocks are outside the seal).
		r.apply(sealedUpdate(7, 99, older));
		expect(r.presence.refused.replayed).toBe(1);
		expect(r.presence.peers()[0]?.page).toBe('new-page');
		await Promise.resolve();
		// The refused state left no trace: the sender's next state (clock 2) is taken.
		expect(r.presence.sealed.meta.get(7)?.clock).toBe(1);
		const next = sealed(key, honestState(7, NOW, { page: 'next-page' }));
		r.apply(sealedUpdate(7, 2, next));
		expect(r.presence.peers()[0]?.page).toBe('next-page');
		// The same sealed state again (a stock renewal, or relayed by another peer) is fine.
		r.apply(sealedUpdate(7, 3, next));
		expect(r.presence.refused.replayed).toBe(1);
		// The sender leaves; bringing its last state back is a replay.
		r.apply(sealedUpdate(7, 4, null));
		expect(r.names()).toEqual([]);
		r.apply(sealedUpdate(7, 5, next));
		expect(r.names()).toEqual([]);
		expect(r.presence.refused.replayed).toBe(2);
	});

	it('does not take a copied device tag for another tab of this browser', () => {
		const secret = nacl.randomBytes(16);
		const victimTab = receiver({ device: secret });
		open.push(victimTab);
		// The victim's other tab (same browser secret, its own client id) is recognised.
		const otherTab = 4242;
		victimTab.apply(
			sealedUpdate(
				otherTab,
				1,
				sealed(key, honestState(otherTab, NOW, { device: deviceTag(secret, 's', otherTab) }))
			)
		);
		// A reader copies that tag into a state of its own.
		const attacker = 777;
		victimTab.apply(
			sealedUpdate(
				attacker,
				1,
				copiedDeviceTag(key, deviceTag(secret, 's', otherTab), attacker, NOW)
			)
		);
		const peers = victimTab.presence.peers();
		expect(peers.find((peer) => peer.clientId === otherTab)?.self).toBe(true);
		expect(peers.find((peer) => peer.clientId === attacker)?.self).toBe(false);
		expect(peers.find((peer) => peer.clientId === attacker)?.user.name).toBe('Ada');
	});

	it('seals our client id and a fresh time, again every few seconds', () => {
		vi.useFakeTimers({ now: NOW });
		const secret = nacl.randomBytes(16);
		const sender = new Presence(new Y.Doc(), new Y.Doc(), key, {
			device: { secret, spaceId: 'space' }
		});
		open.push({ presence: sender });
		sender.setLocal({ user: { name: 'Ada', color: '#0090ff' }, page: null, role: 'edit' });
		const first = sender.sealed.getLocalState()?.s as string;
		vi.advanceTimersByTime(RESEAL_MS);
		const second = sender.sealed.getLocalState()?.s as string;
		expect(second).not.toBe(first);
		const r = receiver();
		open.push(r);
		r.clock.now = Date.now();
		const update = awarenessProtocol.encodeAwarenessUpdate(sender.sealed, [sender.sealed.clientID]);
		r.apply(update);
		expect(r.names()).toEqual(['Ada']);
		const json = statesOf(update).get(sender.sealed.clientID)?.json as string;
		expect(JSON.parse(json)).toEqual({ s: second });
		expect(r.presence.refused).toEqual({});
	});

	it('keeps at most MAX_STATES people, and forgets states that do not open', async () => {
		const r = receiver();
		open.push(r);
		const states = Array.from({ length: MAX_STATES + 10 }, (_, i) => ({
			client: 10 + i,
			clock: 1,
			json: JSON.stringify(sealed(key, honestState(10 + i, NOW)))
		}));
		for (let i = 0; i < states.length; i += 100) r.apply(awarenessUpdate(states.slice(i, i + 100)));
		expect(r.presence.peers().length).toBe(MAX_STATES);
		expect(r.presence.refused['too-many']).toBe(10);
		r.apply(sealedUpdate(5, 1, { s: 'does-not-open' }));
		await Promise.resolve();
		expect(r.presence.sealed.getStates().size).toBe(MAX_STATES);
		expect(r.presence.refused.unreadable).toBe(1);
	});
});

// Fixed inputs → outputs for docs/test-vectors.json (device tag, a sealed presence state).
describe('vectors', () => {
	const secret = Uint8Array.from({ length: 16 }, (_, i) => i);
	const spaceId = '0123456789abcdef0123456789abcdef';
	const readKey = Uint8Array.from({ length: 32 }, (_, i) => 0x20 + i);
	const nonce = Uint8Array.from({ length: 24 }, (_, i) => 0x40 + i);
	const json =
		'{"user":{"name":"Ada","color":"#0090ff"},"page":"pAgE-id_0001","role":"edit",' +
		'"cursor":{"anchor":{"type":{"client":1,"clock":2},"assoc":-1},' +
		'"head":{"item":{"client":1,"clock":5},"assoc":0}},' +
		'"id":3735928559,"t":1750000000000,"device":"05735bda9d770eb7"}';
	const sealedText =
		'QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXxVb_zFiEiw_8DKoA-b7knwBqj1oBPZqePetn-G8JmNbNlsRcayU5iRSLmZfL' +
		'eXkEuE__WFHa5ZvrC6MREfVgtG7-OzFc0P1HjPrKbvpaLI8w36OKzl0ySONMimj60Qwh5lpKn-Sqv_fNQlBaPuZZ4tvE' +
		'mb1yfoH9GpASvKVVz4epvvGs8hWChUdolX0-wn585D2dsFnhfly2QHevvdBQaKhlOfzHG-6ZWwnlKNC9OaM1jps2qyJ_' +
		'KH3wqkNjvwqClHZ1t0eorSm6fA_52EIzLd6cf7cx_G86dftFbSwEXB9GOX6L6ZDptiDF0sJqFaf7rjq9ED5MnwZ4z3_P' +
		'TFf10y3_UMXId4vD4lWB';

	it('device tag: recomputed with Node’s own SHA-512', () => {
		for (const [clientId, tag] of [
			[1, 'c6a8124fe1d2c73d'],
			[0xdeadbeef, '05735bda9d770eb7']
		] as const) {
			const id = Buffer.alloc(4);
			id.writeUInt32BE(clientId);
			const digest = createHash('sha512')
				.update('commonplace/v1/device')
				.update(secret)
				.update(spaceId, 'utf8')
				.update(id)
				.digest();
			expect(digest.subarray(0, 8).toString('hex')).toBe(tag);
			expect(deviceTag(secret, spaceId, clientId)).toBe(tag);
		}
	});

	it('sealed presence: b64url(nonce ‖ secretbox(readKey, nonce, utf8(json))), and what it opens to', () => {
		const box = nacl.secretbox(new TextEncoder().encode(json), nonce, readKey);
		expect(Buffer.from([...nonce, ...box]).toString('base64url')).toBe(sealedText);
		expect(checkSealedPresence(openPresence(readKey, sealedText))).toEqual({
			state: {
				user: { name: 'Ada', color: '#0090ff' },
				page: 'pAgE-id_0001',
				role: 'edit',
				device: '05735bda9d770eb7',
				cursor: {
					anchor: { type: { client: 1, clock: 2 }, assoc: -1 },
					head: { item: { client: 1, clock: 5 }, assoc: 0 }
				}
			},
			id: 3735928559,
			t: 1750000000000
		});
	});
});
