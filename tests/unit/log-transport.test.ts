// Every LogTransport runs the same contract (tests/contracts/log-transport.ts): the in-memory
// network and the tabs transport (Node has BroadcastChannel) here; WebRTC in
// log-transport-webrtc.test.ts (real data channels through @roamhq/wrtc).
import { createLogDoc } from '../../src/lib/log/log-doc';
import { MemoryNetwork } from '../../src/lib/sync/memory-transport';
import { TabsTransport } from '../../src/lib/sync/tabs-transport';
import { runLogTransportContract, type Replica } from '../contracts/log-transport';

runLogTransportContract('memory', async () => {
	const wire: Uint8Array[] = [];
	const network = new MemoryNetwork({ tap: (bytes) => wire.push(bytes) });
	const transports: Array<{ destroy(): Promise<void> }> = [];
	// A hostile member joins only when it first speaks (until then it is nobody's peer).
	let hostile: ReturnType<MemoryNetwork['join']> | null = null;
	return {
		async replica(log = createLogDoc()) {
			const transport = network.join(log);
			transports.push(transport);
			return {
				log,
				transport,
				disconnect: async () => transport.disconnect(),
				reconnect: async () => transport.connect()
			};
		},
		async inject(target: Replica, bytes) {
			hostile ??= network.join(createLogDoc());
			transports.push(hostile);
			network.send(hostile, target.transport as never, bytes);
		},
		wire: () => wire,
		cleanup: async () => {
			for (const transport of transports) await transport.destroy();
		},
		patienceMs: 5_000
	};
});

let channels = 0;
runLogTransportContract('tabs', async () => {
	const name = `cp-tabs-test-${++channels}`;
	const wire: Uint8Array[] = [];
	const tap = new BroadcastChannel(name);
	tap.onmessage = (event: MessageEvent<Record<string, unknown>>) => {
		for (const value of Object.values(event.data ?? {}))
			if (value instanceof Uint8Array) wire.push(value);
	};
	const transports: TabsTransport[] = [];
	const open = (log: ReturnType<typeof createLogDoc>) => {
		const transport = new TabsTransport({ name, log, heartbeatMs: 200 });
		transports.push(transport);
		return transport;
	};
	return {
		async replica(log = createLogDoc()) {
			const replica: Replica = {
				log,
				transport: open(log),
				disconnect: async () => {
					await replica.transport.destroy();
				},
				reconnect: async () => {
					replica.transport = open(log);
				}
			};
			return replica;
		},
		async inject(_target, bytes) {
			const junk = new BroadcastChannel(name);
			const kinds = [
				{ t: 'update', from: 'junk', update: bytes },
				{ t: 'hello', from: 'junk', sv: bytes, peer: null, reply: true },
				{ t: 'awareness', from: 'junk', update: bytes },
				{ t: 'nonsense', from: bytes },
				bytes
			];
			junk.postMessage(kinds[bytes.length % kinds.length]);
			junk.close();
		},
		wire: () => wire,
		cleanup: async () => {
			for (const transport of transports) await transport.destroy();
			tap.close();
		},
		patienceMs: 5_000
	};
});
