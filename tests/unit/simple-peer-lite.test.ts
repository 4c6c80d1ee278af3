// simple-peer-lite against itself and against stock simple-peer (the package y-webrtc was
// written for, which a third party's client runs), both ways round, over real data channels
// (@roamhq/wrtc). Plus what a stranger's signals can do to it: nothing but close it.
import wrtc from '@roamhq/wrtc';
// reason: stock simple-peer ships no types; the test uses the same few members y-webrtc uses.
// eslint-disable-next-line @typescript-eslint/ban-ts-comment
// @ts-ignore
import StockPeer from 'simple-peer';
import { afterEach, describe, expect, it } from 'vitest';
import Peer, { PeerError, type SignalData } from '../../src/lib/sync/simple-peer-lite';
import type { WebRtcClasses } from '../../src/lib/sync/webrtc-options';

const classes = wrtc as unknown as WebRtcClasses;

/** What y-webrtc needs of either implementation. */
interface AnyPeer {
	on(event: string, listener: (...args: never[]) => void): void;
	signal(data: SignalData): void;
	send(data: Uint8Array<ArrayBuffer>): void;
	destroy(): void;
	readonly connected: boolean;
}

type Make = (initiator: boolean) => AnyPeer;
const lite: Make = (initiator) => new Peer({ initiator, wrtc: classes }) as AnyPeer;
const stock: Make = (initiator) => new StockPeer({ initiator, wrtc }) as AnyPeer;

const peers: AnyPeer[] = [];
afterEach(() => {
	for (const peer of peers.splice(0)) peer.destroy();
});

/** Two peers whose signals are passed across (as JSON, as they cross a signaling server). */
function pair(makeA: Make, makeB: Make) {
	const a = makeA(true);
	const b = makeB(false);
	peers.push(a, b);
	const signals: SignalData[] = [];
	a.on('signal', ((signal: SignalData) => {
		signals.push(signal);
		b.signal(JSON.parse(JSON.stringify(signal)) as SignalData);
	}) as never);
	b.on('signal', ((signal: SignalData) => {
		signals.push(signal);
		a.signal(JSON.parse(JSON.stringify(signal)) as SignalData);
	}) as never);
	const connected = (peer: AnyPeer) =>
		new Promise<void>((resolve) => peer.on('connect', resolve as never));
	return { a, b, signals, bothConnected: Promise.all([connected(a), connected(b)]) };
}

const received = (peer: AnyPeer) =>
	new Promise<Uint8Array>((resolve) =>
		peer.on('data', ((data: Uint8Array) => resolve(new Uint8Array(data))) as never)
	);

const closed = (peer: AnyPeer) =>
	new Promise<void>((resolve) => peer.on('close', resolve as never));

describe.each([
	['lite → lite', lite, lite],
	['lite → stock simple-peer', lite, stock],
	['stock simple-peer → lite', stock, lite]
])('%s', (_name, makeA, makeB) => {
	it('connects, carries bytes both ways, and closes both ends', async () => {
		expect(StockPeer).not.toBe(Peer); // the stock package, not the build's alias
		const { a, b, signals, bothConnected } = pair(makeA, makeB);
		await bothConnected;
		expect(a.connected && b.connected).toBe(true);
		// The signals are simple-peer's: an offer, an answer, trickled candidates.
		expect(signals.map((s) => s.type)).toEqual(expect.arrayContaining(['offer', 'answer']));
		expect(signals.every((s) => ['offer', 'answer', 'candidate'].includes(s.type ?? ''))).toBe(
			true
		);

		const atB = received(b);
		a.send(new Uint8Array([1, 2, 3]));
		expect([...(await atB)]).toEqual([1, 2, 3]);
		const atA = received(a);
		b.send(new Uint8Array(50_000).fill(7));
		const back = await atA;
		expect(back.length).toBe(50_000);
		expect(back.every((byte) => byte === 7)).toBe(true);

		const bClosed = closed(b);
		a.destroy();
		await bClosed;
		expect(b.connected).toBe(false);
	});
});

describe('simple-peer-lite, given a stranger’s signals', () => {
	it('closes with ERR_SIGNALING on a signal that is nothing, and never throws', async () => {
		for (const junk of [{}, 'not json', '"a string"', 'null', { type: 'offer' }] as const) {
			const peer = new Peer({ wrtc: classes });
			peers.push(peer);
			const errors: PeerError[] = [];
			peer.on('error', (error) => errors.push(error));
			const done = closed(peer);
			expect(() => peer.signal(junk as SignalData)).not.toThrow();
			await done;
			expect(errors.map((e) => e.code)).toEqual(['ERR_SIGNALING']);
		}
	});

	it('closes with an error on a broken description, and ignores broken candidates', async () => {
		const peer = new Peer({ wrtc: classes });
		peers.push(peer);
		const errors: PeerError[] = [];
		peer.on('error', (error) => errors.push(error));
		const done = closed(peer);
		peer.signal({ candidate: { candidate: 'candidate:garbage', sdpMid: '0' } });
		peer.signal({ type: 'offer', sdp: 'v=0\r\nthis is not sdp' });
		await done;
		expect(errors.map((e) => e.code)).toEqual(['ERR_SET_REMOTE_DESCRIPTION']);
	});

	it('takes renegotiate and transceiver requests without closing', async () => {
		const { a, b, bothConnected } = pair(lite, lite);
		await bothConnected;
		a.signal({ renegotiate: true });
		b.signal({ transceiverRequest: { kind: 'audio' } });
		const atB = received(b);
		a.send(new Uint8Array([9]));
		expect([...(await atB)]).toEqual([9]);
	});

	it('destroys once: one close, and signal or destroy afterwards do nothing', async () => {
		const peer = new Peer({ initiator: true, wrtc: classes });
		let closes = 0;
		peer.on('close', () => closes++);
		peer.destroy();
		peer.destroy();
		await new Promise((resolve) => setTimeout(resolve, 20));
		peer.destroy();
		expect(() => peer.signal({ type: 'answer', sdp: 'x' })).not.toThrow();
		expect(() => peer.send(new Uint8Array([1]))).toThrow(PeerError);
		await new Promise((resolve) => setTimeout(resolve, 20));
		expect(closes).toBe(1);
		expect(peer.destroyed).toBe(true);
	});
});
