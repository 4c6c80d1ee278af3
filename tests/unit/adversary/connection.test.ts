// What one connection may send over time: presence per connection (distinct states and bytes),
// query-awareness and sync step 1 (both answered with a lot) at most once per interval, and no
// BroadcastChannel bookkeeping over WebRTC. Each message of these floods passes the
// per-message check alone, which is all the old receiver had.
import { describe, expect, it } from 'vitest';
import {
	ANSWER_INTERVAL_MS,
	MAX_CONNECTION_STATE_CHARS,
	MAX_CONNECTION_STATES,
	PeerGuard,
	STATE_TTL_MS
} from '../../../src/lib/sync/peer-guard';
import { checkPeerMessage } from '../../../src/lib/sync/peer-message';
import {
	awarenessFlood,
	awarenessMessage,
	awarenessUpdate,
	manyEntryUpdate,
	queryFlood,
	SYNC,
	syncMessage
} from '../../adversary/peer';

function guard() {
	const clock = { now: 1_000_000 };
	return { clock, guard: new PeerGuard(() => clock.now) };
}

const verdict = (g: PeerGuard, message: Uint8Array) => {
	const checked = g.check(message);
	return checked.ok ? 'ok' : checked.reason;
};

describe('presence per connection', () => {
	it('holds at most 256 people on one connection, however the messages are cut', () => {
		const { guard: g } = guard();
		const first = awarenessFlood(200, 600, 1);
		const second = awarenessFlood(56, 600, 201);
		const third = awarenessFlood(1, 600, 257);
		for (const message of [first, second, third]) expect(checkPeerMessage(message).ok).toBe(true);
		expect(verdict(g, first)).toBe('ok');
		expect(verdict(g, second)).toBe('ok');
		expect(verdict(g, third)).toBe('presence-flood');
		// Renewing the ones it holds is fine.
		expect(verdict(g, awarenessFlood(MAX_CONNECTION_STATES, 600, 1))).toBe('ok');
		// One who leaves (a null state) makes room.
		expect(
			verdict(g, awarenessMessage(awarenessUpdate([{ client: 1, clock: 2, json: null }])))
		).toBe('ok');
		expect(verdict(g, third)).toBe('ok');
	});

	it('holds at most 1 MiB of presence JSON on one connection', () => {
		const { guard: g } = guard();
		const big = 7_000;
		const fits = Math.floor(MAX_CONNECTION_STATE_CHARS / big);
		expect(verdict(g, awarenessFlood(fits, big, 1))).toBe('ok');
		expect(verdict(g, awarenessFlood(1, big, 10_000))).toBe('presence-flood');
	});

	it('forgets states not renewed for 30 s, as y-protocols does', () => {
		const { guard: g, clock } = guard();
		expect(verdict(g, awarenessFlood(MAX_CONNECTION_STATES, 100, 1))).toBe('ok');
		expect(verdict(g, awarenessFlood(1, 100, 5_000))).toBe('presence-flood');
		clock.now += STATE_TTL_MS + 1;
		expect(verdict(g, awarenessFlood(MAX_CONNECTION_STATES, 100, 10_000))).toBe('ok');
	});
});

describe('answers per connection', () => {
	it('answers one query-awareness per interval', () => {
		const { guard: g, clock } = guard();
		const answered = queryFlood(100).filter((message) => verdict(g, message) === 'ok');
		expect(answered.length).toBe(1);
		clock.now += ANSWER_INTERVAL_MS;
		expect(verdict(g, queryFlood(1)[0] as Uint8Array)).toBe('ok');
		expect(verdict(g, queryFlood(1)[0] as Uint8Array)).toBe('query-flood');
	});

	it('answers one sync step 1 per interval, and takes every update', () => {
		const { guard: g, clock } = guard();
		const step1 = syncMessage(SYNC.step1, new Uint8Array([0]));
		expect(verdict(g, step1)).toBe('ok');
		expect(verdict(g, step1)).toBe('sync-flood');
		expect(verdict(g, syncMessage(SYNC.update, new Uint8Array([0, 0])))).toBe('ok');
		expect(verdict(g, syncMessage(SYNC.update, new Uint8Array([0, 0])))).toBe('ok');
		clock.now += ANSWER_INTERVAL_MS;
		expect(verdict(g, step1)).toBe('ok');
	});

	it('takes no BroadcastChannel peer ids over WebRTC', () => {
		const { guard: g } = guard();
		const message = Uint8Array.from([4, 1, 3, 0x61, 0x62, 0x63]);
		expect(checkPeerMessage(message).ok).toBe(true);
		expect(verdict(g, message)).toBe('not-over-webrtc');
	});
});

describe('a whole history per connection', () => {
	it('takes a sync step 2 over the update cap only as the answer to a step 1 we sent', () => {
		const { guard: g } = guard();
		// 40,000 deleted runs and 2 ranges: over MAX_LOG_STRUCTS (30,000), under MAX_STEP2_STRUCTS.
		const history = manyEntryUpdate(40_000, 'deleted', SYNC.step2);
		expect(verdict(g, history)).toBe('too-many-entries');
		g.sent(syncMessage(SYNC.step1, new Uint8Array([0])));
		expect(verdict(g, history)).toBe('ok');
		// One answer per question.
		expect(verdict(g, history)).toBe('too-many-entries');
		// An update never gets the larger cap.
		g.sent(syncMessage(SYNC.step1, new Uint8Array([0])));
		expect(verdict(g, manyEntryUpdate(40_000, 'deleted', SYNC.update))).toBe('too-many-entries');
	});
});
