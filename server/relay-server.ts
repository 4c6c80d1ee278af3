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
import { Redis } from 'ioredis';
import { createNodeVerifier } from './node-verifier';
import { REDIS_OPTIONS, redisBus } from './redis-bus.js';
import { KEPT_HASH, RedisKeptSpaces, RedisLogStore, SERVICE_SECRET_MIN } from './redis-log-store';
import { Relay, type RelayOptions } from './relay';

export { keepOnRelay } from './relay-keep';
export { SERVICE_SECRET_MIN } from './redis-log-store';

export interface RelayServerOptions {
	/** Where the LevelDB lives (created if missing); unused with `redisUrl`. */
	dataDir: string;
	/**
	 * Redis shared by every node of one relay service (REDIS_URL): the logs and the kept spaces
	 * live there (run it with `appendonly yes`, `appendfsync always`), and each node passes the
	 * updates it stores to the others. Without it, one process keeps its LevelDB.
	 */
	redisUrl?: string;
	/**
	 * With `redisUrl`: the secret every node of the service is given and Redis never is
	 * (SERVICE_SECRET, at least 32 characters). It keys the hashes that stand for addresses in
	 * the shared keep quota and seals the kept spaces' capabilities (redis-log-store.ts).
	 */
	serviceSecret?: string;
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
/** Past this waiting, presence for the connection is skipped. */
const PRESENCE_BACKLOG = 256 * 1024;

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
	const shared = options.redisUrl === undefined ? null : await redisService(options);
	let db: LevelDb | null = null;
	if (shared === null) {
		mkdirSync(options.dataDir, { recursive: true });
		db = new ClassicLevel<Uint8Array, Uint8Array>(options.dataDir, {
			keyEncoding: 'view',
			valueEncoding: 'view'
		});
		await db.open();
	}
	const relay: Relay = new Relay({
		...(shared ?? {
			store: new LevelLogStore(db as LevelDb, { sync: options.sync ?? false }),
			kept: new LevelKeptSpaces(db as LevelDb)
		}),
		createVerifier: createNodeVerifier,
		...options.quotas,
		...(options.log ? { log: options.log } : {})
	});
	shared?.deliverTo(relay);
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
					// Presence is only worth it fresh: a member that is behind skips it rather than
					// being closed for it (nobody can make the relay drop members with carets).
					if (bytes[0] === FRAME.presence && waiting > PRESENCE_BACKLOG) return;
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
		stats: () => ({
			relayConnections: wss.clients.size,
			tokenRefused,
			slowClosed,
			...relay.stats,
			...(shared ? { nodes: shared.stats() } : {})
		}),
		async close() {
			// What each room holds is written before the relay lets go of it (relay.close).
			for (const client of wss.clients) client.terminate();
			await relay.close();
			await db?.close();
			await shared?.close();
		}
	};
}

/**
 * The store, kept spaces and node bus of one node of a relay service on Redis (exported for
 * the tests that build nodes in their own process: server/relay-review4/shared.ts).
 */
export async function redisService(
	options: Pick<RelayServerOptions, 'redisUrl' | 'serviceSecret' | 'log'>
) {
	const url = options.redisUrl as string;
	if (options.serviceSecret === undefined) {
		throw new Error(
			`A relay node on Redis needs SERVICE_SECRET: the same secret (${SERVICE_SECRET_MIN}+ characters, e.g. from \`openssl rand -hex 32\`) on every node, so the nodes count each address's quota together without Redis learning addresses.`
		);
	}
	// While Redis is away, writes fail at once (persist retries with the whole state).
	const redis = new Redis(url, REDIS_OPTIONS);
	// Checks the secret before anything is sent to Redis.
	const kept = new RedisKeptSpaces(redis, options.serviceSecret, options.log);
	// reason: ioredis reports connection errors here and reconnects by itself; the bus logs them.
	redis.on('error', () => {});
	await redis.connect();
	let target: Relay | null = null;
	const bus = await redisBus(url, {
		prefix: 'cp:relay:',
		what: 'relay',
		deliver: (room: string, message: Buffer) =>
			target?.fromNode(room, new Uint8Array(message.buffer, message.byteOffset, message.length)),
		// What the bus lost while the subscriber was away is read from the store.
		reconnected: () => target?.reconnected(),
		...(options.log ? { log: options.log } : {})
	});
	return {
		// Rooms that are not kept take no write: no node can write back a forgotten space.
		store: new RedisLogStore(redis, { keptIn: KEPT_HASH }),
		kept,
		bus: {
			join: (room: string) => bus.join(room),
			leave: (room: string) => bus.leave(room),
			publish: (room: string, message: Uint8Array) => bus.publish(room, Buffer.from(message))
		},
		deliverTo(relay: Relay) {
			target = relay;
		},
		stats: () => bus.stats(),
		async close() {
			await bus.close();
			redis.disconnect();
		}
	};
}
