// FINDING (high): the relay never looks at a connection's send backlog. relay-server.ts sends with
// `ws.send(bytes)` whenever the socket is OPEN; a client that stops reading (TCP window zero)
// makes the relay queue everything for it in memory: every update of the room forwarded to it,
// every KEPT, and the answer to its sync step 1 — the whole space (up to maxRoomBytes, 256 MiB
// by default), which it may ask for again every 5 s on each connection. The signaling server
// closes a receiver more than 1 MiB behind (code 1013); the relay has no such cap, so a few
// non-reading connections (within the per-address connection cap) exhaust the relay's memory.
// This test pauses one member's socket while another member writes 40 × 1 MiB; the relay keeps
// the paused member open and buffers it all.
// SUGGESTED FIX: in relay-server.ts's send, check `ws.bufferedAmount` and terminate (or close
// 1013) a connection more than a few MiB behind, as signaling's deliver() does; drop forwarding
// to such a client first. Consider answering a step 1 only when the backlog is small.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import * as syncProtocol from 'y-protocols/sync';
import * as capability from '../../src/lib/crypto/capability';
import { createLogDoc, logArray } from '../../src/lib/log/log-doc';
import {
	decodeFrame,
	encodeFrame,
	FRAME,
	relayProof,
	syncMessage
} from '../../src/lib/sync/relay-wire';
import { startRelay } from '../relay-server';
import { startSignaling } from '../signaling.js';
import { cleanup, runCleanup, tick, until } from './harness';

afterEach(runCleanup);

/** A raw WebSocket client of the relay that joins `cap`'s room. */
async function member(url: string, cap: capability.RelayCapability, keep: boolean) {
	const ws = new WebSocket(url);
	ws.binaryType = 'nodebuffer';
	let joined = false;
	let closed = false;
	let received = 0;
	ws.on('message', (data: Buffer) => {
		received += data.length;
		const frame = decodeFrame(new Uint8Array(data));
		if (frame?.type === FRAME.challenge) {
			ws.send(encodeFrame({ type: FRAME.hello, room: cap.room }));
			if (keep) ws.send(encodeFrame({ type: FRAME.keep, capability: capability.toBytes(cap) }));
			ws.send(
				encodeFrame({ type: FRAME.proof, proof: relayProof(cap.relayKey, frame.nonce, cap.room) })
			);
		}
		if (frame?.type === FRAME.joined) joined = true;
	});
	ws.on('close', () => (closed = true));
	ws.on('error', () => {});
	cleanup.push(() => ws.terminate());
	await until(() => joined);
	return { ws, isClosed: () => closed, received: () => received };
}

describe('relay and a client that does not read', () => {
	it('closes a connection that falls far behind instead of buffering the room for it', async () => {
		const dataDir = mkdtempSync(join(tmpdir(), 'cp-relay-review-'));
		cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
		const server = await startSignaling({
			port: 0,
			host: '127.0.0.1',
			log: () => {},
			relay: await startRelay({ dataDir })
		});
		cleanup.push(() => server.close());
		const url = `${server.url}/relay`;
		const cap = capability.toRelay(capability.fromSecret(capability.newSecret()));
		const writer = await member(url, cap, true);
		const sleeper = await member(url, cap, false);
		// The sleeper stops reading: its kernel buffers fill, then the relay's queue does.
		(sleeper.ws as unknown as { _socket: { pause(): void } })._socket.pause();

		const log = createLogDoc();
		cleanup.push(() => log.destroy());
		log.on('update', (update: Uint8Array) =>
			writer.ws.send(
				encodeFrame({
					type: FRAME.sync,
					message: syncMessage((encoder) => syncProtocol.writeUpdate(encoder, update))
				})
			)
		);
		for (let i = 0; i < 40; i++) {
			logArray(log).push([new Uint8Array(1024 * 1024).fill(i)]);
			await tick(25);
		}
		await tick(1_000);
		(sleeper.ws as unknown as { _socket: { resume(): void } })._socket.resume();
		// A relay that caps a client's backlog has closed the sleeper by now (it sees the close
		// once it reads again). Today it stays open and receives all ~40 MiB.
		await until(() => sleeper.isClosed() || sleeper.received() > 39 * 1024 * 1024, 15_000);
		expect(sleeper.isClosed()).toBe(true);
	}, 30_000);
});
