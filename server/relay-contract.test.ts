// The relay transport (sync/relay-transport.ts) runs the LogTransport contract that every way in
// and out of a space runs (tests/contracts/log-transport.ts), as a star: each replica talks to
// one real relay (this process, a LevelDB in a temporary directory) and counts it as its peer.
// Entries are real envelopes of one space: the relay checks them and removes junk. What crosses
// is tapped at each replica's WebSocket; a hostile relay is played by handing frames straight
// to a replica's socket.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nacl from 'tweetnacl';
import { WebSocket } from 'ws';
import * as capability from '../src/lib/crypto/capability';
import * as envelope from '../src/lib/crypto/envelope';
import { createSigner } from '../src/lib/crypto/signing';
import { createLogDoc } from '../src/lib/log/log-doc';
import { RelayTransport } from '../src/lib/sync/relay-transport';
import { runLogTransportContract, type Replica } from '../tests/contracts/log-transport';
import { startRelay } from './relay-server';
import { startSignaling } from './signaling.js';

runLogTransportContract('relay (star)', async () => {
	const dataDir = mkdtempSync(join(tmpdir(), 'cp-relay-contract-'));
	const server = await startSignaling({
		port: 0,
		host: '127.0.0.1',
		log: () => {},
		relay: await startRelay({ dataDir })
	});
	const cap = capability.fromSecret(capability.newSecret());
	const signer = await createSigner(cap.signSeed);
	const wire: Uint8Array[] = [];
	const transports: RelayTransport[] = [];
	/** Each replica's current socket, to hand it frames as a hostile relay would. */
	const sockets = new Map<Replica, WebSocket>();

	const open = (replica: Replica) => {
		class Tapped extends WebSocket {
			constructor(url: string) {
				super(url);
				sockets.set(replica, this);
				this.on('message', (data: Buffer) => wire.push(new Uint8Array(data)));
			}
			override send(data: Uint8Array) {
				wire.push(data);
				super.send(data);
			}
		}
		const transport = new RelayTransport({
			log: replica.log,
			cap,
			urls: [`${server.url}/relay`],
			keep: true,
			WebSocket: Tapped as unknown as typeof globalThis.WebSocket
		});
		transports.push(transport);
		return transport;
	};

	return {
		async replica(log = createLogDoc()) {
			const replica = { log, disconnect: async () => {}, reconnect: async () => {} } as Replica;
			replica.transport = open(replica);
			replica.disconnect = () => replica.transport.destroy();
			replica.reconnect = async () => {
				replica.transport = open(replica);
			};
			return replica;
		},
		async inject(target, bytes) {
			const socket = sockets.get(target);
			const data = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
			socket?.onmessage?.({ data } as never);
		},
		wire: () => wire,
		cleanup: async () => {
			for (const transport of transports) await transport.destroy();
			await server.close();
			rmSync(dataDir, { recursive: true, force: true });
		},
		patienceMs: 15_000,
		// Everyone's one peer is the relay, however many others are on.
		peersOf: () => 1,
		entry: (bytes) => envelope.seal(cap, signer, envelope.KIND_UPDATE, nacl.randomBytes(bytes)),
		cap
	};
});
