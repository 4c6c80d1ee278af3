// The signaling server: wire-compatible with y-webrtc's (`subscribe`, `unsubscribe`, `publish`,
// `ping` as JSON over WebSocket), hardened for the open internet. It relays opaque messages
// between browsers that share a topic; it never logs or keeps their contents.
//   - binds 127.0.0.1 unless told otherwise; GET /health answers with counts
//   - caps connections (in all and per address), frame size, publish size and nesting, topics
//     per connection and messages per second per connection
//   - closes a receiver that falls more than maxBufferedBytes behind instead of queueing for it
//   - relays a publish as the bytes it received, never re-serialised
//   - ignores malformed JSON and binary junk (counted), closes half-open sockets by heartbeat
//   - with `redisUrl` (REDIS_URL), several nodes share topics over Redis pub/sub (redis-bus.js)
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';
import { parse, withClients, withinDepth } from './frames.js';
import { connectionGate, refuse } from './gate.js';
import { redisBus } from './redis-bus.js';

export const DEFAULTS = {
	host: '127.0.0.1',
	port: 4444,
	/** Largest frame accepted; bigger ones close the connection (WebSocket code 1009). */
	maxPayload: 256 * 1024,
	/**
	 * Largest publish relayed, measured on the whole frame (an upper bound on its `data` that needs
	 * no parsing). y-webrtc's announce and SDP signals are a few KiB, sealed or not; the app drops
	 * signaling messages over 64 KiB itself (sync/signaling-guard.ts). Every byte allowed here is
	 * sent once per receiver, so this bounds a publish's amplification. Bigger ones are dropped
	 * and counted (oversizeData); the sender stays connected.
	 */
	maxDataBytes: 64 * 1024,
	/** Deepest nesting of objects and arrays in a frame (y-webrtc's deepest, an ICE candidate, is 4). */
	maxDataDepth: 16,
	/**
	 * A receiver with more than this still queued for it (ws's bufferedAmount: bytes the kernel
	 * would not take yet) is closed (1013) instead of queued for: a peer that does not read must
	 * not grow the server. So one receiver costs at most this plus one frame.
	 */
	maxBufferedBytes: 1024 * 1024,
	/** A slow receiver's close frame waits behind its backlog; after this it is cut off. */
	slowCloseGraceMs: 2_000,
	/**
	 * Connections in all. Each costs a file descriptor (raise `ulimit -n` above this), some tens
	 * of KiB at rest and up to maxBufferedBytes when it reads slowly: 20,000 fit a small VM at rest
	 * (about 1 GiB), while all of them behind at once would be 20 GiB, so lower this (or
	 * maxBufferedBytes) on a small machine. Refused upgrades get HTTP 503.
	 */
	maxConnections: 20_000,
	/**
	 * Connections per address (IPv6: per /64). A browser tab holds one connection per signaling
	 * server, whatever the number of rooms; 64 covers a household or an office behind one NAT
	 * with dozens of tabs, and keeps one address to ~0.3 % of the server. Carrier-grade NAT or a
	 * reverse proxy put many people behind one address: raise it there. Refused upgrades get
	 * HTTP 429.
	 */
	maxConnectionsPerIp: 64,
	maxTopicsPerConnection: 64,
	maxTopicLength: 256,
	/**
	 * A frame costs one token per started `tokenBytes`: parsing is linear in bytes, so the rate
	 * bounds the server's work per connection, not only the count of frames.
	 */
	tokenBytes: 16 * 1024,
	/** Token bucket per connection: sustained rate and burst. */
	messagesPerSecond: 50,
	burst: 200,
	heartbeatMs: 30_000
};

const OPEN = 1;
/** WebSocket close code 1013, "Try Again Later": a reader that fell behind may well reconnect. */
const SLOW_CLOSE = { code: 1013, reason: 'receiving too slowly' };
const PONG = Buffer.from(JSON.stringify({ type: 'pong' }));

/**
 * Starts a server; resolves with { port, url, close(), stats() } once listening.
 * Options override DEFAULTS; `log` receives one-line summaries (never message contents).
 */
export async function startSignaling(options = {}) {
	const config = { ...DEFAULTS, ...withoutUndefined(options) };
	// Other nodes of the same service, through Redis: their publishes reach our subscribers.
	const bus = options.redisUrl
		? await redisBus(options.redisUrl, {
				deliver: (topic, raw) => fromNode(topic, raw),
				log: options.log ?? ((line) => console.log(line))
			})
		: null;
	const log = options.log ?? ((line) => console.log(line));
	/** The relay (server/relay-server.ts) on `/relay` of the same port, when given one. */
	const relay = options.relay ?? null;
	/** topic → Set of connections */
	const topics = new Map();
	const counters = {
		connections: 0,
		relayed: 0,
		malformed: 0,
		rateLimited: 0,
		rejectedTopics: 0,
		closedIdle: 0,
		/** Receivers closed for falling more than maxBufferedBytes behind. */
		slowClosed: 0,
		/** Upgrades refused: the server was at maxConnections. */
		refusedFull: 0,
		/** Upgrades refused: the address was at maxConnectionsPerIp. */
		refusedPerIp: 0,
		/** Publishes over maxDataBytes, dropped. */
		oversizeData: 0,
		/** Frames nested deeper than maxDataDepth, dropped. */
		deepData: 0,
		/** Messages whose handling threw (a bug of ours); dropped, nobody disconnected. */
		handlerErrors: 0,
		/** Publishes from other nodes (Redis) delivered to subscribers here. */
		fromNodes: 0
	};
	const started = Date.now();
	const gate = connectionGate(config);

	const http = createServer((req, res) => {
		if (req.method === 'GET' && (req.url === '/health' || req.url === '/health/')) {
			res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
			res.end(JSON.stringify(stats()));
			return;
		}
		res
			.writeHead(404, { 'content-type': 'text/plain' })
			.end('Commonplace signaling and relay: WebSocket only\n');
	});
	// Sockets that never upgrade (idle, or a request sent one byte a second) hold a descriptor
	// too: give them 10 s to send their headers, and cap raw sockets a little above the WebSocket
	// cap, which leaves room to tell the next ones 503 and to answer /health.
	http.headersTimeout = 10_000;
	http.requestTimeout = 10_000;
	http.maxConnections = config.maxConnections + 256;
	const wss = new WebSocketServer({ noServer: true, maxPayload: config.maxPayload });
	http.on('upgrade', (req, socket, head) => {
		// reason: a reset during the handshake; ws adds its own handler once it takes the socket.
		socket.on('error', () => socket.destroy());
		const ticket = gate.admit(req.socket.remoteAddress);
		if (!ticket.ok) {
			counters[ticket.reason === 'full' ? 'refusedFull' : 'refusedPerIp']++;
			refuse(socket, ticket.reason);
			return;
		}
		// The slot is held until the TCP connection is gone, whatever happens to the handshake.
		socket.once('close', ticket.release);
		if (relay?.handles(req)) return relay.handleUpgrade(req, socket, head);
		wss.handleUpgrade(req, socket, head, (conn) => wss.emit('connection', conn, req));
	});

	function stats() {
		return {
			ok: true,
			uptimeSeconds: Math.round((Date.now() - started) / 1000),
			open: wss.clients.size,
			topics: topics.size,
			...counters,
			...(bus ? { nodes: bus.stats() } : {}),
			...(relay ? { relay: relay.stats() } : {})
		};
	}

	/** Queues `frame` (a text frame's bytes) for `conn`, unless it is too far behind already. */
	function deliver(conn, frame) {
		if (conn.readyState !== OPEN) return;
		if (conn.bufferedAmount > config.maxBufferedBytes) {
			closeSlow(conn);
			return;
		}
		try {
			conn.send(frame, { binary: false });
		} catch {
			// reason: a socket that cannot take a frame is dead; only this one is cut off.
			conn.terminate();
		}
	}

	function closeSlow(conn) {
		counters.slowClosed++;
		conn.close(SLOW_CLOSE.code, SLOW_CLOSE.reason);
		// The close frame is queued behind the backlog a slow reader may never read: cut it off
		// after a grace, which frees the backlog. Nothing more is queued meanwhile (not OPEN).
		const cutoff = setTimeout(() => conn.terminate(), config.slowCloseGraceMs);
		cutoff.unref();
		conn.once('close', () => clearTimeout(cutoff));
	}

	wss.on('connection', (conn) => {
		counters.connections++;
		const peer = { conn, subscribed: new Set(), tokens: config.burst, refilled: Date.now() };
		let alive = true;
		conn.on('pong', () => (alive = true));
		// reason: ws reports protocol errors (bad UTF-8, oversize) here and closes the socket itself.
		conn.on('error', () => conn.terminate());
		const heartbeat = setInterval(() => {
			if (!alive) {
				counters.closedIdle++;
				conn.terminate();
				return;
			}
			alive = false;
			try {
				conn.ping();
			} catch {
				// reason: ping on a broken socket; terminate it now instead of next round.
				conn.terminate();
			}
		}, config.heartbeatMs);

		conn.on('message', (data, isBinary) => {
			alive = true;
			try {
				receive(peer, data, isBinary);
			} catch (error) {
				// reason: whatever one message does, it must not take down the others' connections.
				// Only the error's name is logged: its message may quote the peer's bytes.
				counters.handlerErrors++;
				log(`signaling: a message could not be handled (${error?.name ?? typeof error})`);
			}
		});

		conn.on('close', () => {
			clearInterval(heartbeat);
			for (const topic of [...peer.subscribed]) leave(peer, topic);
		});
	});

	/** Takes a frame's tokens (one per started `tokenBytes`) from the peer's bucket, if it has them. */
	function allow(peer, bytes) {
		const now = Date.now();
		peer.tokens = Math.min(
			config.burst,
			peer.tokens + ((now - peer.refilled) / 1000) * config.messagesPerSecond
		);
		peer.refilled = now;
		const cost = Math.max(1, Math.ceil(bytes / config.tokenBytes));
		if (peer.tokens < cost) return false;
		peer.tokens -= cost;
		return true;
	}

	/** One frame from `peer`: checked before it is parsed, then handled by type. */
	function receive(peer, data, isBinary) {
		// No frame that is worth relaying is bigger than a publish may be: dropped unread.
		if (data.length > config.maxDataBytes) return void counters.oversizeData++;
		if (!allow(peer, data.length)) return void counters.rateLimited++;
		if (isBinary) return void counters.malformed++;
		if (!withinDepth(data, config.maxDataDepth)) return void counters.deepData++;
		const message = parse(data);
		if (message === undefined) return void counters.malformed++;
		switch (message.type) {
			case 'subscribe':
				return subscribe(peer, message.topics);
			case 'unsubscribe':
				if (!Array.isArray(message.topics)) return void counters.malformed++;
				for (const topic of message.topics) leave(peer, topic);
				return;
			case 'publish':
				return publish(message.topic, data);
			case 'ping':
				return deliver(peer.conn, PONG);
			default:
				counters.malformed++;
		}
	}

	function subscribe(peer, list) {
		if (!Array.isArray(list)) return void counters.malformed++;
		for (const topic of list) {
			if (typeof topic !== 'string' || topic.length === 0 || topic.length > config.maxTopicLength) {
				counters.malformed++;
				continue;
			}
			if (!peer.subscribed.has(topic) && peer.subscribed.size >= config.maxTopicsPerConnection) {
				counters.rejectedTopics++;
				continue;
			}
			peer.subscribed.add(topic);
			if (!topics.has(topic)) {
				topics.set(topic, new Set());
				bus?.join(topic);
			}
			topics.get(topic).add(peer.conn);
		}
	}

	/** Relays the frame as received (plus `clients`) to every subscriber of `topic`. */
	function publish(topic, raw) {
		if (typeof topic !== 'string') return void counters.malformed++;
		// Other nodes' subscribers too (a publish to a topic nobody here joined still goes out).
		if (topic.length > 0 && topic.length <= config.maxTopicLength) bus?.publish(topic, raw);
		const receivers = topics.get(topic);
		if (!receivers) return;
		// One buffer for every receiver: ws queues it without copying (server frames are unmasked).
		const frame = withClients(raw, receivers.size);
		for (const receiver of receivers) deliver(receiver, frame);
		counters.relayed++;
	}

	/** A publish another node received: to this node's subscribers of `topic`, as it came. */
	function fromNode(topic, raw) {
		const receivers = topics.get(topic);
		if (!receivers || raw.length > config.maxDataBytes) return;
		try {
			const frame = withClients(raw, receivers.size);
			for (const receiver of receivers) deliver(receiver, frame);
			counters.fromNodes++;
		} catch (error) {
			// reason: bytes from another node (or whoever can write to Redis) never reach a socket's
			// handler as an exception.
			counters.handlerErrors++;
			log(`signaling: a message from another node could not be handled (${error?.name})`);
		}
	}

	function leave(peer, topic) {
		if (typeof topic !== 'string') return;
		const receivers = topics.get(topic);
		receivers?.delete(peer.conn);
		if (receivers && receivers.size === 0) {
			topics.delete(topic);
			bus?.leave(topic);
		}
		peer.subscribed.delete(topic);
	}

	const summary = setInterval(() => {
		const s = stats();
		log(
			`signaling: ${s.open} open, ${s.topics} topics, ${s.relayed} relayed, ${s.malformed} malformed, ${s.rateLimited} rate-limited, ${s.slowClosed} slow closed, ${s.refusedFull + s.refusedPerIp} refused`
		);
	}, options.summaryMs ?? 60_000);
	summary.unref();

	return new Promise((resolve, reject) => {
		http.once('error', reject);
		http.listen(config.port, config.host, () => {
			http.off('error', reject);
			// reason: once listening, an error (EMFILE on accept) must not end the process; the
			// connections already open keep working and the operator learns the code.
			http.on('error', (error) => log(`signaling: server error ${error.code ?? error.name}`));
			const { port } = http.address();
			resolve({
				port,
				url: `ws://${config.host}:${port}`,
				stats,
				close: async () => {
					clearInterval(summary);
					for (const client of wss.clients) client.terminate();
					// The relay's connections first: the HTTP server closes once no socket is left.
					await relay?.close();
					await bus?.close();
					await new Promise((done) => wss.close(() => http.close(() => done())));
				}
			});
		});
	});
}

/** Options left undefined (an unset environment variable) keep their defaults. */
function withoutUndefined(options) {
	return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}
