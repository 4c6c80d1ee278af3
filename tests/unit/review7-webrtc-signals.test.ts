// Review 7: what a stranger's sealed signals (anyone with relayKey: a viewer, a relay) do to
// y-webrtc once the signaling guard (sync/signaling-guard.ts) has let them through, with the
// build's simple-peer-lite underneath. Real transport, real signaling server, real y-webrtc.
import wrtc from '@roamhq/wrtc';
import { describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
	(globalThis as { BroadcastChannel: unknown }).BroadcastChannel = class {
		onmessage: unknown = null;
		postMessage(): void {}
		close(): void {}
	};
});
import * as room from '../../src/lib/sync/y-webrtc-room';
import { catchRejections, cleanup, setup, sleep } from '../support/webrtc-stranger';

describe('review7: a stranger’s signals through the guard into y-webrtc', () => {
	it('an answer from a peer id nobody offered to throws nothing (no unhandled rejection)', async () => {
		const rejections = catchRejections();
		const { signal, ws } = await setup();
		// The guard passes it: it opens under the room key and has the shape of a signal.
		// y-webrtc then runs `webrtcConns.get(from).glareToken = undefined` on an unknown `from`.
		ws.send(await signal('ghost', { type: 'answer', sdp: 'v=0\r\n' }));
		await sleep(500);
		expect(rejections.map(String)).toEqual([]);
	});

	it('signals from made-up peer ids do not open more peer connections than maxConns', async () => {
		const { victim, signal, ws } = await setup();
		const max = room.maxConnections(victim.provider);
		// y-webrtc checks maxConns for announces only; any signal naming us from an id it does not
		// know builds a new peer (an RTCPeerConnection) for it. A candidate is enough, and the
		// stranger never has to follow up (the watchdog gives each up after 12–18 s; a stranger
		// sends more meanwhile). Chromium refuses past ~500 per page: y-webrtc then throws.
		for (let i = 0; i < max + 10; i++) {
			ws.send(
				await signal(`ghost-${i}`, {
					type: 'candidate',
					candidate: { candidate: 'candidate:1 1 udp 1 192.0.2.1 9 typ host', sdpMid: '0' }
				})
			);
		}
		await sleep(1_000);
		expect(room.connections(victim.provider).length).toBeLessThanOrEqual(max);
	});
});

describe('a new peer’s signals through the same guard', () => {
	it('its offer and the candidates right behind it all reach y-webrtc; a stranger’s candidate does not', async () => {
		const { victim, signal, ws } = await setup();
		const offerer = new wrtc.RTCPeerConnection();
		cleanup.push(() => offerer.close());
		offerer.createDataChannel('x');
		const offer = await offerer.createOffer();
		await offerer.setLocalDescription(offer);
		// As a peer sends them: the offer, then its candidates at once (trickle ICE), in one burst.
		const frames = [await signal('newcomer', { type: 'offer', sdp: offer.sdp })];
		for (let port = 9; port < 12; port++) {
			frames.push(
				await signal('newcomer', {
					type: 'candidate',
					candidate: {
						candidate: `candidate:${port} 1 udp 2122260223 192.0.2.1 ${port} typ host`,
						sdpMid: '0',
						sdpMLineIndex: 0
					}
				})
			);
		}
		for (const each of frames) ws.send(each);
		await sleep(1_500);
		expect(victim.status.dropped).toBe(0);
		expect(room.connections(victim.provider).map((c) => c.remotePeerId)).toContain('newcomer');

		ws.send(
			await signal('stranger', {
				type: 'candidate',
				candidate: { candidate: 'candidate:1 1 udp 1 192.0.2.9 9 typ host', sdpMid: '0' }
			})
		);
		await sleep(1_500);
		expect(victim.status.dropped).toBe(1);
	});
});
