// The WebRTC transport runs the LogTransport contract in Node: real data channels through
// @roamhq/wrtc, introduced by our own signaling server on 127.0.0.1. y-webrtc keeps its rooms
// in module state (one room name per process), so each replica loads its own copy of the
// transport and of y-webrtc (`vi.resetModules`; y-webrtc is inlined for this in vite.config.ts).
import wrtc from '@roamhq/wrtc';
import { vi } from 'vitest';

// Replicas here share one process, where a BroadcastChannel reaches them all: y-webrtc would
// take them for tabs of one browser and never connect them over WebRTC. Here it reaches nobody
// (before any module captures it; the app turns y-webrtc's off anyway once its room exists).
vi.hoisted(() => {
	(globalThis as { BroadcastChannel: unknown }).BroadcastChannel = class {
		onmessage: unknown = null;
		postMessage(): void {}
		close(): void {}
	};
});
import { WebSocket } from 'ws';
import { startSignaling, type SignalingServer } from '../../server/signaling.js';
import * as capability from '../../src/lib/crypto/capability';
import { createLogDoc } from '../../src/lib/log/log-doc';
import type { WebrtcTransport } from '../../src/lib/sync/webrtc-transport';
import { Awareness } from 'y-protocols/awareness';
import { runLogTransportContract, type Replica } from '../contracts/log-transport';

// Node 20 has no WebSocket of its own; y-webrtc's client (lib0) looks for the global.
(globalThis as { WebSocket?: unknown }).WebSocket = WebSocket;

runLogTransportContract('webrtc', async () => {
	const signal: SignalingServer = await startSignaling({
		port: 0,
		host: '127.0.0.1',
		log: () => {}
	});
	const cap = capability.fromSecret(capability.newSecret());
	const network = { signaling: [signal.url], iceServers: [] };
	const transports: WebrtcTransport[] = [];
	const open = async (log: ReturnType<typeof createLogDoc>) => {
		vi.resetModules();
		const { WebrtcTransport } = await import('../../src/lib/sync/webrtc-transport');
		const transport = new WebrtcTransport({
			log,
			cap,
			network,
			awareness: new Awareness(log),
			webrtc: wrtc as never
		});
		transports.push(transport);
		return transport;
	};
	let hostile: WebrtcTransport | null = null;
	let replicas = 0;
	return {
		async replica(log = createLogDoc()) {
			replicas++;
			const replica: Replica = {
				log,
				transport: await open(log),
				disconnect: async () => replica.transport.destroy(),
				reconnect: async () => {
					replica.transport = await open(log);
				}
			};
			return replica;
		},
		async inject(target, bytes) {
			if (hostile === null) {
				hostile = await open(createLogDoc());
				// The stranger sends to every peer it has: it waits until it has them all, the
				// target among them (connected to only the first, the target would get nothing).
				const end = Date.now() + 30_000;
				while (hostile.status.peers < replicas && Date.now() < end)
					await new Promise((r) => setTimeout(r, 50));
			}
			void target;
			hostile.sendRaw(bytes);
		},
		// Data channels are DTLS-encrypted; what y-webrtc puts on them is the log doc's updates.
		wire: () => null,
		cleanup: async () => {
			for (const transport of transports) await transport.destroy();
			await signal.close();
		},
		patienceMs: 40_000
	};
});
