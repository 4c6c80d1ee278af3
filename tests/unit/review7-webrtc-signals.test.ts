// Review 7: what a stranger's sealed signals (anyone with relayKey: a viewer, a relay) do to
// y-webrtc once the signaling guard (sync/signaling-guard.ts) has let them through, with the
// build's simple-peer-lite underneath. Real transport, real signaling server, real y-webrtc.
import wrtc from '@roamhq/wrtc';
import { afterEach, describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
	(globalThis as { BroadcastChannel: unknown }).BroadcastChannel = class {
		onmessage: unknown = null;
		postMessage(): void {}
		close(): void {}
	};
});
import * as buffer from 'lib0/buffer';
import { Awareness } from 'y-protocols/awareness';
import * as encoding from 'lib0/encoding';
import { WebSocket } from 'ws';
import { startSignaling, type SignalingServer } from '../../server/signaling.js';
import * as capability from '../../src/lib/crypto/capability';
import { createLogDoc } from '../../src/lib/log/log-doc';
import type { WebrtcTransport } from '../../src/lib/sync/webrtc-transport';
import * as room from '../../src/lib/sync/y-webrtc-room';

(globalThis as { WebSocket?: unknown }).WebSocket = WebSocket;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
	for (const undo of cleanup.splice(0).reverse()) await undo();
});

/** A victim transport and a stranger holding relayKey, on one signaling server. */
async function setup() {
	const signal: SignalingServer = await startSignaling({
		port: 0,
		host: '127.0.0.1',
		log: () => {}
	});
	cleanup.push(() => signal.close());
	const cap = capability.fromSecret(capability.newSecret());
	vi.resetModules();
	const { WebrtcTransport, roomName } = await import('../../src/lib/sync/webrtc-transport');
	const log = createLogDoc();
	const victim: WebrtcTransport = new WebrtcTransport({
		log,
		cap,
		network: { signaling: [signal.url], iceServers: [] },
		awareness: new Awareness(log),
		webrtc: wrtc as never
	});
	cleanup.push(() => victim.destroy());
	await victim.provider.key;
	for (let i = 0; i < 200 && !room.signalingClients(victim.provider)[0]?.connected; i++)
		await sleep(10);
	const name = roomName(cap);
	// The room key anyone with relayKey derives (y-webrtc: PBKDF2 of b64url(relayKey)).
	const key = (await victim.provider.key) as CryptoKey;
	const ws = new WebSocket(signal.url);
	await new Promise((resolve) => ws.once('open', resolve));
	cleanup.push(() => ws.close());
	const frame = async (data: unknown) => {
		// y-webrtc's envelope: varString('AES-GCM') ‖ varUint8Array(iv) ‖ varUint8Array(AES-GCM(any)).
		const plain = encoding.createEncoder();
		encoding.writeAny(plain, data as never);
		const iv = crypto.getRandomValues(new Uint8Array(12));
		const cipher = await crypto.subtle.encrypt(
			{ name: 'AES-GCM', iv },
			key,
			encoding.toUint8Array(plain)
		);
		const out = encoding.createEncoder();
		encoding.writeVarString(out, 'AES-GCM');
		encoding.writeVarUint8Array(out, iv);
		encoding.writeVarUint8Array(out, new Uint8Array(cipher));
		const sealed = encoding.toUint8Array(out);
		return JSON.stringify({ type: 'publish', topic: name, data: buffer.toBase64(sealed) });
	};
	const publish = async (data: unknown) => ws.send(await frame(data));
	return { victim, peerId: victim.peerId as string, publish, frame, ws };
}

describe('review7: a stranger’s signals through the guard into y-webrtc', () => {
	it('an answer from a peer id nobody offered to throws nothing (no unhandled rejection)', async () => {
		const rejections: unknown[] = [];
		const onRejection = (reason: unknown) => rejections.push(reason);
		process.on('unhandledRejection', onRejection);
		cleanup.push(() => void process.off('unhandledRejection', onRejection));
		const { peerId, publish } = await setup();
		// The guard passes it: it opens under the room key and has the shape of a signal.
		// y-webrtc then runs `webrtcConns.get(from).glareToken = undefined` on an unknown `from`.
		await publish({
			type: 'signal',
			from: 'ghost',
			to: peerId,
			token: 1,
			signal: { type: 'answer', sdp: 'v=0\r\n' }
		});
		await sleep(500);
		expect(rejections.map(String)).toEqual([]);
	});

	it('signals from made-up peer ids do not open more peer connections than maxConns', async () => {
		const { victim, peerId, publish } = await setup();
		const max = (victim.provider as unknown as { maxConns: number }).maxConns;
		// y-webrtc checks maxConns for announces only; any signal naming us from an id it does not
		// know builds a new peer (an RTCPeerConnection) for it. A candidate is enough, and the
		// stranger never has to follow up (the watchdog gives each up after 12–18 s; a stranger
		// sends more meanwhile). Chromium refuses past ~500 per page: y-webrtc then throws.
		for (let i = 0; i < max + 10; i++) {
			await publish({
				type: 'signal',
				from: `ghost-${i}`,
				to: peerId,
				token: 1,
				signal: {
					type: 'candidate',
					candidate: { candidate: 'candidate:1 1 udp 1 192.0.2.1 9 typ host', sdpMid: '0' }
				}
			});
		}
		await sleep(1_000);
		expect(room.connections(victim.provider).length).toBeLessThanOrEqual(max);
	});
});

describe('a new peer’s signals through the same guard', () => {
	it('its offer and the candidates right behind it all reach y-webrtc; a stranger’s candidate does not', async () => {
		const { victim, peerId, publish, frame, ws } = await setup();
		const offerer = new wrtc.RTCPeerConnection();
		cleanup.push(() => offerer.close());
		offerer.createDataChannel('x');
		const offer = await offerer.createOffer();
		await offerer.setLocalDescription(offer);
		const signal = (type: string, body: object) =>
			frame({ type: 'signal', from: 'newcomer', to: peerId, token: 1, signal: { type, ...body } });
		// As a peer sends them: the offer, then its candidates at once (trickle ICE), in one burst.
		const frames = [await signal('offer', { sdp: offer.sdp })];
		for (let port = 9; port < 12; port++) {
			frames.push(
				await signal('candidate', {
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

		await publish({
			type: 'signal',
			from: 'stranger',
			to: peerId,
			token: 1,
			signal: {
				type: 'candidate',
				candidate: { candidate: 'candidate:1 1 udp 1 192.0.2.9 9 typ host', sdpMid: '0' }
			}
		});
		await sleep(1_500);
		expect(victim.status.dropped).toBe(1);
	});
});
