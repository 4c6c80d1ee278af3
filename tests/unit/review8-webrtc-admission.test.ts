// Review 8: the WebRTC transport's signal admission (webrtc-transport.ts #admit, through the
// signaling guard's `admit` hook) against a stranger holding relayKey (a viewer, a relay): it
// can seal any signal for the room, under any `from`. Real transports, real signaling server,
// real y-webrtc, the build's simple-peer-lite underneath (vite.config.ts alias).
import { describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
	(globalThis as { BroadcastChannel: unknown }).BroadcastChannel = class {
		onmessage: unknown = null;
		postMessage(): void {}
		close(): void {}
	};
});
import * as room from '../../src/lib/sync/y-webrtc-room';
import { catchRejections, realOffer, setup, sleep } from '../support/webrtc-stranger';

describe('review8: offers in flight', () => {
	it('offers whose connections failed at once do not keep a newcomer out for 10 s', async () => {
		const { victim, signal, ws } = await setup();
		const max = room.maxConnections(victim.provider);
		// A stranger's offers from made-up ids: each is admitted (room for one more), y-webrtc makes
		// a connection for it, the description does not parse and the connection closes at once.
		// Each id stays in #offered for OFFERED_MS all the same, counted against maxConns.
		for (let i = 0; i < max; i++) {
			ws.send(await signal(`ghost-${i}`, { type: 'offer', sdp: 'junk' }));
		}
		await sleep(1_000);
		expect(room.connections(victim.provider)).toHaveLength(0); // nothing is connecting
		const dropped = victim.status.dropped;
		// An honest newcomer's offer now.
		ws.send(await signal('newcomer', { type: 'offer', sdp: await realOffer() }));
		await sleep(1_000);
		expect(
			room.connections(victim.provider).map((c) => c.remotePeerId),
			`refused with no connection open (${victim.status.dropped - dropped} dropped)`
		).toContain('newcomer');
	});
});

/** The victim connecting to `id` (it offers): any announce makes y-webrtc connect. */
async function connectingTo(
	{ victim, publish }: Pick<Awaited<ReturnType<typeof setup>>, 'victim' | 'publish'>,
	id: string
) {
	await publish({ type: 'announce', from: id });
	for (let i = 0; i < 100 && room.connections(victim.provider).length === 0; i++) await sleep(10);
	expect(room.connections(victim.provider).map((c) => c.remotePeerId)).toEqual([id]);
}

describe('review8: signals admitted under a known peer id', () => {
	it('a burst of answers naming a peer whose connection the first one closes throws nothing in y-webrtc', async () => {
		const rejections = catchRejections();
		const { signal, ws, ...stranger } = await setup();
		await connectingTo(stranger, 'ghost');
		// Each answer is admitted while the connection exists; the first one's description fails,
		// the peer closes and y-webrtc forgets it; the next ones then reach
		// `webrtcConns.get(from).glareToken = undefined` with no connection: TypeError.
		const frames: string[] = [];
		for (let i = 0; i < 20; i++)
			frames.push(await signal('ghost', { type: 'answer', sdp: 'v=0\r\n' }));
		for (const each of frames) ws.send(each);
		await sleep(1_500);
		expect(rejections.map(String)).toEqual([]);
	});

	it('offers that fill the room do not evict a connection between its answer’s admission and y-webrtc reading it', async () => {
		const rejections = catchRejections();
		const { signal, ws, ...stranger } = await setup();
		const { victim } = stranger;
		await connectingTo(stranger, 'ghost');
		// One answer for our offer to ghost (admitted: ghost's connection offered and has none),
		// then, in the same burst, offers from new ids until the room is full and one more: the
		// admission makes room by closing the oldest connection that never opened — ghost's,
		// whose admitted answer y-webrtc has not read yet (it opens each signal again, a few ms
		// later). y-webrtc then reaches `webrtcConns.get('ghost').glareToken = undefined` with no
		// connection: TypeError, an unhandled rejection.
		const frames = [await signal('ghost', { type: 'answer', sdp: 'v=0\r\n' })];
		for (let i = 0; i < room.maxConnections(victim.provider); i++)
			frames.push(await signal(`filler-${i}`, { type: 'offer', sdp: 'v=0\r\n' }));
		for (const each of frames) ws.send(each);
		await sleep(1_500);
		expect(rejections.map(String)).toEqual([]);
	});

	it('a stranger’s signal under a connected peer’s id does not close that peer’s connection', async () => {
		const { victim, open, signal, ws } = await setup();
		const other = await open();
		const end = Date.now() + 20_000;
		while ((victim.status.peers === 0 || other.status.peers === 0) && Date.now() < end)
			await sleep(50);
		const conn = room.connections(victim.provider).find((c) => c.remotePeerId === other.peerId);
		expect(conn?.connected).toBe(true);
		// Signals are sealed under the room key only: `from` is whatever the sender writes. The
		// admission lets anything "from a peer we connect to" through, and simple-peer closes on a
		// description it cannot set (stock does too). One message per pair cuts the mesh.
		ws.send(await signal(String(other.peerId), { type: 'answer', sdp: 'v=0\r\n' }, 0));
		await sleep(1_000);
		expect((conn as unknown as { closed: boolean }).closed, 'the honest connection closed').toBe(
			false
		);
	});
});

describe('review8: a browser without WebRTC', () => {
	it('an announce (anyone’s) throws nothing into y-webrtc when the platform has no RTCPeerConnection', async () => {
		const rejections = catchRejections();
		// The transport runs with `webrtc: null` where `RTCPeerConnection` is undefined (WebRTC
		// turned off: Tor Browser, hardened Firefox); y-webrtc still makes a peer for every
		// announce, and simple-peer-lite's platformWebRtc() throws out of its constructor.
		const { publish } = await setup(null);
		await publish({ type: 'announce', from: 'someone' });
		await sleep(1_000);
		expect(rejections.map(String)).toEqual([]);
	});
});
