// A WebRTC transport in Node (real y-webrtc on @roamhq/wrtc, our signaling server on 127.0.0.1)
// and a stranger beside it who holds the room's relayKey: it seals any signal for the room,
// under any `from`, and publishes it (one at a time, or frames sent in one burst). For the
// reviews' attacks on signal admission (review7-webrtc-signals, review8-webrtc-admission).
// A test file using it stubs BroadcastChannel first (vi.hoisted), as log-transport-webrtc does.
import wrtc from '@roamhq/wrtc';
import { afterEach, vi } from 'vitest';
import { Awareness } from 'y-protocols/awareness';
import { WebSocket } from 'ws';
import { startSignaling, type SignalingServer } from '../../server/signaling.js';
import * as capability from '../../src/lib/crypto/capability';
import { createLogDoc } from '../../src/lib/log/log-doc';
import type { WebrtcTransport } from '../../src/lib/sync/webrtc-transport';
import * as room from '../../src/lib/sync/y-webrtc-room';
import { sealForRoom } from './y-webrtc-seal';

// Node 20 has no WebSocket of its own; y-webrtc's client (lib0) looks for the global.
(globalThis as { WebSocket?: unknown }).WebSocket = WebSocket;

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Undone after each test, last first. */
export const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
	for (const undo of cleanup.splice(0).reverse()) await undo();
});

/** Unhandled rejections while the test runs (y-webrtc's handlers are promise callbacks). */
export function catchRejections() {
	const rejections: unknown[] = [];
	const onRejection = (reason: unknown) => rejections.push(reason);
	process.on('unhandledRejection', onRejection);
	cleanup.push(() => void process.off('unhandledRejection', onRejection));
	return rejections;
}

/** A victim transport (`open` makes more in the room), and the stranger's frame, signal and publish. */
export async function setup(webrtc: unknown = wrtc) {
	const server: SignalingServer = await startSignaling({
		port: 0,
		host: '127.0.0.1',
		log: () => {}
	});
	cleanup.push(() => server.close());
	const cap = capability.fromSecret(capability.newSecret());
	const open = async () => {
		vi.resetModules();
		const { WebrtcTransport } = await import('../../src/lib/sync/webrtc-transport');
		const log = createLogDoc();
		const transport: WebrtcTransport = new WebrtcTransport({
			log,
			cap,
			network: { signaling: [server.url], iceServers: [] },
			awareness: new Awareness(log),
			webrtc: webrtc as never
		});
		cleanup.push(() => transport.destroy());
		await transport.provider.key;
		for (let i = 0; i < 200 && !room.signalingClients(transport.provider)[0]?.connected; i++)
			await sleep(10);
		return transport;
	};
	const victim = await open();
	const { roomName } = await import('../../src/lib/sync/webrtc-transport');
	const name = roomName(cap);
	// The room key anyone with relayKey derives (y-webrtc: PBKDF2 of b64url(relayKey)).
	const key = (await victim.provider.key) as CryptoKey;
	const ws = new WebSocket(server.url);
	await new Promise((resolve) => ws.once('open', resolve));
	cleanup.push(() => ws.close());
	const frame = async (data: unknown) =>
		JSON.stringify({ type: 'publish', topic: name, data: await sealForRoom(key, data) });
	const publish = async (data: unknown) => ws.send(await frame(data));
	const peerId = victim.peerId as string;
	/** A signal to the victim, under any `from`, framed (send it with `ws.send`). */
	const signal = (from: string, body: object, token = 1) =>
		frame({ type: 'signal', from, to: peerId, token, signal: body });
	return { victim, open, peerId, publish, frame, signal, ws };
}

/** A real offer (and its data channel) from a fresh RTCPeerConnection, as a newcomer sends it. */
export async function realOffer() {
	const pc = new wrtc.RTCPeerConnection();
	cleanup.push(() => pc.close());
	pc.createDataChannel('x');
	const offer = await pc.createOffer();
	await pc.setLocalDescription(offer);
	return offer.sdp as string;
}
