// The relay on a WebSocket endpoint (`/relay`, binary frames) of the server's HTTP port: opens
// the data directory's LevelDB, runs server/relay.ts for each connection, and reports counts
// (never contents) for `/health`. server/signaling.js hands it the upgrades for `/relay`.
// Compiled for Node by scripts/build-server.js (it imports the app's own TypeScript).
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { ClassicLevel } from 'classic-level';
import { timingSafeEqual } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { WebSocketServer, type WebSocket } from 'ws';
import { addressKey } from './gate.js';
import { LevelKeptSpaces, LevelLogStore, type LevelDb } from './level-log-store';
import { encodeFrame, FRAME, framesOf } from '../src/lib/sync/relay-wire';
import { createNodeVerifier } from './node-verifier';
import { Relay, type RelayOptions } from './relay';

export { keepOnRelay } from './relay-keep';

export interface RelayServerOptions {
	/** Where the LevelDB lives (created if missing). */
	dataDir: string;
	/** fsync every write (survives power loss, not only a killed process). */
	sync?: boolean;
	/** Largest frame (a whole first sync of a big space arrives as one). */
	maxPayload?: number;
	quotas?: Pick<RelayOptions, 'maxKept' | 'maxKeptPerAddress' | 'maxRoomBytes'>;
	/**
	 * A private relay: only clients whose address carries `?token=<this>` are served (browsers
	 * cannot set headers on a WebSocket; the address is the relay's entry in their settings).
	 */
	token?: string;
	log?: (line: string) => void;
}

/** Bytes a connection may have waiting to be sent before it is closed as too slow. */
const BACKLOG = 8 * 1024 * 1024;

/** Whether the upgrade's `?token=` is `token`, in time independent of where they differ. */
function hasToken(req: IncomingMessage, token: string): boolean {
	let given: string | null = null;
	try {
		given = new URL(req.url ?? '/', 'http://relay').searchParams.get('token');
	} catch {
		// reason: an unparsable address carries no token.
		return false;
	}
	if (given === null) return false;
	const a = Buffer.from(given);
	const b = Buffer.from(token);
	return a.length === b.length && timingSafeEqual(a, b);
}

export interface RelayServer {
	/** Whether this upgrade is for the relay. */
	handles(req: IncomingMessage): boolean;
	handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
	stats(): Record<string, unknown>;
	close(): Promise<void>;
}

export async function startRelay(options: RelayServerOptions): Promise<RelayServer> {
	mkdirSync(options.dataDir, { recursive: true });
	const db: LevelDb = new ClassicLevel<Uint8Array, Uint8Array>(options.dataDir, {
		keyEncoding: 'view',
		valueEncoding: 'view'
	});
	await db.open();
	const relay = new Relay({
		store: new LevelLogStore(db, { sync: options.sync ?? false }),
		kept: new LevelKeptSpaces(db),
		createVerifier: createNodeVerifier,
		...options.quotas,
		...(options.log ? { log: options.log } : {})
	});
	const wss = new WebSocketServer({
		noServer: true,
		maxPayload: options.maxPayload ?? 64 * 1024 * 1024
	});
	let tokenRefused = 0;
	let slowClosed = 0;
	wss.on('connection', (ws: WebSocket, req: IncomingMessage) => {
		if (options.token !== undefined && !hasToken(req, options.token)) {
			// Told why in the relay's own words (the app shows it), then closed; nothing is read.
			tokenRefused++;
			ws.send(encodeFrame({ type: FRAME.refused, code: 'token' }), { binary: true });
			ws.close(4001, 'token');
			return;
		}
		// A client that stops reading must not make the relay hold everything for it: past
		// BACKLOG bytes waiting (or one big answer plus that), it is closed (1013, as signaling).
		let allowance = BACKLOG;
		const side = relay.connect(
			{
				send: (bytes) => {
					if (ws.readyState !== ws.OPEN) return;
					const waiting = ws.bufferedAmount;
					if (waiting <= BACKLOG) allowance = BACKLOG;
					if (waiting > allowance) {
						slowClosed++;
						ws.close(1013, 'too slow');
						ws.terminate();
						return;
					}
					// Big frames (a whole history) go in PARTs, so the app can show them arriving.
					for (const frame of framesOf(bytes)) ws.send(frame, { binary: true });
					// A whole history (the answer to a step 1) may wait on its own, once.
					if (bytes.length > BACKLOG) allowance = waiting + bytes.length + BACKLOG;
				},
				close: (code, reason) => ws.close(code, reason)
			},
			addressKey(req.socket.remoteAddress)
		);
		ws.on('message', (data, isBinary) => {
			if (!isBinary) return side.receive(new Uint8Array(0)); // refused as malformed
			const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
			side.receive(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
		});
		// reason: ws reports protocol errors here and closes the socket itself.
		ws.on('error', () => ws.terminate());
		ws.on('close', () => side.close());
	});
	return {
		handles: (req) => (req.url ?? '').split('?')[0] === '/relay',
		handleUpgrade: (req, socket, head) =>
			wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req)),
		stats: () => ({ relayConnections: wss.clients.size, tokenRefused, slowClosed, ...relay.stats }),
		async close() {
			// What each room holds is written before the relay lets go of it (relay.close).
			for (const client of wss.clients) client.terminate();
			await relay.close();
			await db.close();
		}
	};
}
