// Review 7: simple-peer-lite (sync/simple-peer-lite.ts), the build's replacement for simple-peer
// under y-webrtc, against what a stranger (anyone holding relayKey: a viewer or a relay, who can
// seal signals for the room) can make it do.
import wrtc from '@roamhq/wrtc';
// reason: stock simple-peer ships no types.
// eslint-disable-next-line @typescript-eslint/ban-ts-comment
// @ts-ignore
import StockPeer from 'simple-peer';
import { afterEach, describe, expect, it, vi } from 'vitest';
import Peer, { type PeerError } from '../../src/lib/sync/simple-peer-lite';
import type { WebRtcClasses } from '../../src/lib/sync/webrtc-options';

const classes = wrtc as unknown as WebRtcClasses;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

afterEach(() => {
	vi.restoreAllMocks();
});

/** WebRTC classes whose peer connection cannot be made (Chromium: "Cannot create so many PeerConnections"). */
const exhausted = {
	RTCPeerConnection: class {
		constructor() {
			throw new DOMException('Cannot create so many PeerConnections', 'UnknownError');
		}
	},
	RTCSessionDescription: wrtc.RTCSessionDescription,
	RTCIceCandidate: wrtc.RTCIceCandidate
} as unknown as WebRtcClasses;

/** A peer connection that records candidates and never does anything else. */
class RecordingPc {
	static added = 0;
	remoteDescription: RTCSessionDescriptionInit | null = null;
	localDescription: RTCSessionDescriptionInit | null = null;
	oniceconnectionstatechange: unknown = null;
	onconnectionstatechange: unknown = null;
	onicecandidate: unknown = null;
	ondatachannel: unknown = null;
	iceConnectionState = 'new';
	connectionState = 'new';
	setRemoteDescription(description: RTCSessionDescriptionInit) {
		this.remoteDescription = description;
		return Promise.resolve();
	}
	addIceCandidate() {
		RecordingPc.added++;
		return Promise.resolve();
	}
	createAnswer() {
		return new Promise<never>(() => {}); // never answers: we only look at the candidates
	}
	close() {}
}

describe('review7: simple-peer-lite', () => {
	it('a peer connection the platform refuses to make closes the peer (ERR_PC_CONSTRUCTOR), as stock simple-peer does, instead of throwing into y-webrtc', async () => {
		// Stock simple-peer: caught, 'error' (ERR_PC_CONSTRUCTOR) then 'close'. y-webrtc relies on
		// that: it builds the peer inside its signaling handler (a promise callback), with a
		// stranger's `from`, for every signal from an id it does not know (no maxConns check on
		// that path), so a viewer can make the browser reach its peer-connection limit.
		const stockErrors: string[] = [];
		const stock = new StockPeer({ wrtc: exhausted });
		stock.on('error', (error: PeerError) => stockErrors.push(error.code));
		await sleep(10);
		expect(stockErrors).toEqual(['ERR_PC_CONSTRUCTOR']);

		const errors: string[] = [];
		let peer: Peer | null = null;
		expect(() => {
			peer = new Peer({ wrtc: exhausted });
		}).not.toThrow();
		(peer as Peer | null)?.on('error', (error) => errors.push(error.code));
		await sleep(10);
		expect(errors).toEqual(['ERR_PC_CONSTRUCTOR']);
	});

	it('candidates from a stranger before any description are not kept without bound', async () => {
		// y-webrtc makes a (non-initiator) peer for any signal naming us and passes it on; a
		// candidate that precedes a description is queued. Nobody ever has to send the offer.
		RecordingPc.added = 0;
		const fake = {
			RTCPeerConnection: RecordingPc,
			RTCSessionDescription: class {
				constructor(init: RTCSessionDescriptionInit) {
					Object.assign(this, init);
				}
			},
			RTCIceCandidate: class {
				address = '192.0.2.1';
				constructor(init: RTCIceCandidateInit) {
					Object.assign(this, init);
				}
			}
		} as unknown as WebRtcClasses;
		const peer = new Peer({ wrtc: fake });
		const big = 'candidate:1 1 udp 1 192.0.2.1 9 typ host ' + 'x'.repeat(1_000);
		for (let i = 0; i < 20_000; i++) {
			peer.signal({
				type: 'candidate',
				candidate: { candidate: big, sdpMid: '0', sdpMLineIndex: 0 }
			});
		}
		// ~20 MB held for one peer so far; the description (whenever it comes) adds them all.
		peer.signal({ type: 'offer', sdp: 'v=0\r\n' });
		await sleep(10);
		expect(peer.destroyed).toBe(false);
		// An honest peer trickles a handful (host, srflx, relay per interface); a few hundred is
		// generous. 20,000 were kept.
		expect(RecordingPc.added).toBeLessThanOrEqual(500);
		peer.destroy();
	});

	it('data channels a hostile peer opens are all closed with the peer, and leave no timer running', async () => {
		const intervals = new Set<unknown>();
		const realSet = globalThis.setInterval;
		const realClear = globalThis.clearInterval;
		vi.spyOn(globalThis, 'setInterval').mockImplementation(((fn: () => void, ms?: number) => {
			const handle = realSet(fn, ms);
			intervals.add(handle);
			return handle;
		}) as typeof setInterval);
		vi.spyOn(globalThis, 'clearInterval').mockImplementation(((handle: unknown) => {
			intervals.delete(handle);
			realClear(handle as ReturnType<typeof setInterval>);
		}) as typeof clearInterval);

		// The attacker: a bare peer connection offering three data channels instead of one.
		const attacker = new wrtc.RTCPeerConnection();
		const channels = [0, 1, 2].map((i) => attacker.createDataChannel(`c${i}`));
		const victim = new Peer({ wrtc: classes });
		victim.on('signal', (signal) => {
			if (signal.sdp) void attacker.setRemoteDescription(signal as RTCSessionDescriptionInit);
			else if (signal.candidate) void attacker.addIceCandidate(signal.candidate).catch(() => {});
		});
		attacker.onicecandidate = (event) => {
			if (event.candidate) {
				const { candidate, sdpMid, sdpMLineIndex } = event.candidate;
				victim.signal({ type: 'candidate', candidate: { candidate, sdpMid, sdpMLineIndex } });
			}
		};
		const offer = await attacker.createOffer();
		await attacker.setLocalDescription(offer);
		victim.signal({ type: 'offer', sdp: offer.sdp });
		await Promise.all(
			channels.map(
				(channel) =>
					new Promise<void>((resolve) => {
						if (channel.readyState === 'open') resolve();
						else channel.onopen = () => resolve();
					})
			)
		);
		await sleep(300);
		const made = intervals.size;
		const closed = new Promise<void>((resolve) => victim.on('close', resolve));
		victim.destroy();
		await closed;
		await sleep(50);
		attacker.close();
		expect(made).toBeGreaterThan(0);
		// Each channel the stranger opened replaced the last and started its own "closing" timer;
		// destroy clears only the last one. The others run every 5 s for ever, holding the peer,
		// its RTCPeerConnection and the transport's per-channel state.
		expect(intervals.size).toBe(0);
		for (const handle of intervals) realClear(handle as ReturnType<typeof setInterval>);
	});
});
