// FINDING (medium): the app's relay transport resets its backoff to 1 s on every JOINED
// (relay-transport.ts: `session.on('joined', () => { link.retryMs = FIRST_RETRY_MS; ... })`),
// before anything has been exchanged. A relay that accepts the proof, asks for everything (sync
// step 1 with an empty state vector) and then drops the connection gets the client's whole log
// re-uploaded about once a second, forever. A hostile relay can do it on purpose (battery and
// bandwidth of every member who lists it); an honest one does it by accident: a space whose
// first sync is larger than the relay's maxPayload (64 MiB by default, while maxRoomBytes is
// 256 MiB) is closed by `ws` with 1009 on every try, and the client re-sends 64+ MiB a second.
// The protocol says a client "keeps retrying with backoff like an unreachable one".
// SUGGESTED FIX: reset the backoff only once a connection has proven useful — e.g. after it has
// stayed open for a while (≥ 30 s) or after a KEPT that covers this device's log — not on
// JOINED; and treat close code 1009 (message too big) like a refusal (stop, or back off to the
// maximum) rather than a transient failure.
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import * as capability from '../../src/lib/crypto/capability';
import { createLogDoc, logArray } from '../../src/lib/log/log-doc';
import { RelayTransport } from '../../src/lib/sync/relay-transport';
import {
	decodeFrame,
	encodeFrame,
	FRAME,
	newNonce,
	syncMessage
} from '../../src/lib/sync/relay-wire';
import { cleanup, runCleanup, tick } from './harness';

afterEach(runCleanup);

describe('relay transport against a relay that drops it after the join', () => {
	it('backs off instead of re-uploading the whole log about once a second', async () => {
		let connections = 0;
		let uploaded = 0;
		const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
		await new Promise((resolve) => wss.once('listening', resolve));
		cleanup.push(() => new Promise((resolve) => wss.close(resolve)));
		wss.on('connection', (ws) => {
			connections++;
			ws.send(encodeFrame({ type: FRAME.challenge, nonce: newNonce() }));
			ws.on('message', (data: Buffer) => {
				const frame = decodeFrame(new Uint8Array(data));
				if (frame?.type === FRAME.proof) {
					ws.send(encodeFrame({ type: FRAME.joined }));
					// "Send me everything", as a relay that holds nothing does.
					const empty = new Y.Doc();
					ws.send(
						encodeFrame({
							type: FRAME.sync,
							message: syncMessage((encoder) => syncProtocol.writeSyncStep1(encoder, empty))
						})
					);
				}
				if (frame?.type === FRAME.sync && frame.message[1] === 1) {
					uploaded += frame.message.length;
					ws.close(1009, 'too big'); // what ws does to a frame over maxPayload
				}
			});
		});
		const port = (wss.address() as { port: number }).port;

		const cap = capability.fromSecret(capability.newSecret());
		const log = createLogDoc();
		logArray(log).push([new Uint8Array(256 * 1024).fill(1)]);
		const transport = new RelayTransport({
			log,
			cap,
			urls: [`ws://127.0.0.1:${port}/relay`],
			keep: true,
			WebSocket: WebSocket as unknown as typeof globalThis.WebSocket
		});
		cleanup.push(() => transport.destroy());
		await tick(12_000);
		// With backoff (1, 2, 4, 8 s) a relay that never keeps anything sees about 4 connections in
		// 12 s; today it sees ~11, each with the whole log re-sent.
		expect(uploaded).toBeGreaterThan(0);
		expect(connections).toBeLessThanOrEqual(5);
	}, 20_000);
});
