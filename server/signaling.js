// The signaling server: wire-compatible with y-webrtc's (`subscribe`, `unsubscribe`, `publish`,
// `ping` as JSON over WebSocket), hardened for the open internet. It relays opaque messages
// between browsers that share a topic; it never logs or keeps their contents.
//   - binds 127.0.0.1 unless told otherwise; GET /health answers with counts
//   - caps frame size, topics per connection and messages per second per connection
//   - ignores malformed JSON and binary junk (counted), closes half-open sockets by heartbeat
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';

export const DEFAULTS = {
	host: '127.0.0.1',
	port: 4444,
	/** Largest frame accepted; bigger ones close the connection (WebSocket code 1009). */
	maxPayload: 256 * 1024,
	maxTopicsPerConnection: 64,
	maxTopicLength: 256,
	/** Token bucket per connection: sustained rate and burst. */
	messagesPerSecond: 50,
	burst: 200,
	heartbeatMs: 30_000
};

/**
 * Starts a server; resolves with { port, url, close(), stats() } once listening.
 * Options override DEFAULTS; `log` receives one-line summaries (never message contents).
 */
export function startSignaling(options = {}) {
	const config = { ...DEFAULTS, ...options };
	const log = options.log ?? ((line) => console.log(line));
	/** topic → Set of connections */
	const topics = new Map();
	const counters = {
		connections: 0,
		relayed: 0,
		malformed: 0,
		rateLimited: 0,
		rejectedTopics: 0,
		closedIdle: 0
	};
	const started = Date.now();

	const http = createServer((req, res) => {
		if (req.method === 'GET' && (req.url === '/health' || req.url === '/health/')) {
			res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
			res.end(JSON.stringify(stats()));
			return;
		}
		res
			.writeHead(404, { 'content-type': 'text/plain' })
			.end('Commonplace signaling: WebSocket only\n');
	});
	const wss = new WebSocketServer({ server: http, maxPayload: config.maxPayload });

	function stats() {
		return {
			ok: true,
			uptimeSeconds: Math.round((Date.now() - started) / 1000),
			open: wss.clients.size,
			topics: topics.size,
			...counters
		};
	}

	function send(conn, message) {
		if (conn.readyState !== 1) return;
		try {
			conn.send(JSON.stringify(message));
		} catch {
			// reason: a socket that cannot take a frame is dead; the heartbeat will reap it.
			conn.terminate();
		}
	}

	wss.on('connection', (conn) => {
		counters.connections++;
		const subscribed = new Set();
		let alive = true;
		let tokens = config.burst;
		let refilled = Date.now();
		conn.on('pong', () => (alive = true));
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

		const allow = () => {
			const now = Date.now();
			tokens = Math.min(
				config.burst,
				tokens + ((now - refilled) / 1000) * config.messagesPerSecond
			);
			refilled = now;
			if (tokens < 1) return false;
			tokens--;
			return true;
		};

		conn.on('message', (data, isBinary) => {
			alive = true;
			if (!allow()) {
				counters.rateLimited++;
				return;
			}
			let message;
			try {
				if (isBinary) throw new Error('binary frame');
				message = JSON.parse(data.toString('utf8'));
			} catch {
				// reason: counted, and otherwise ignored: a peer's garbage must not reach others.
				counters.malformed++;
				return;
			}
			if (typeof message !== 'object' || message === null || typeof message.type !== 'string') {
				counters.malformed++;
				return;
			}
			switch (message.type) {
				case 'subscribe': {
					if (!Array.isArray(message.topics)) return void counters.malformed++;
					for (const topic of message.topics) {
						if (
							typeof topic !== 'string' ||
							topic.length === 0 ||
							topic.length > config.maxTopicLength
						) {
							counters.malformed++;
							continue;
						}
						if (!subscribed.has(topic) && subscribed.size >= config.maxTopicsPerConnection) {
							counters.rejectedTopics++;
							continue;
						}
						subscribed.add(topic);
						if (!topics.has(topic)) topics.set(topic, new Set());
						topics.get(topic).add(conn);
					}
					return;
				}
				case 'unsubscribe': {
					if (!Array.isArray(message.topics)) return void counters.malformed++;
					for (const topic of message.topics) leave(topic);
					return;
				}
				case 'publish': {
					if (typeof message.topic !== 'string') return void counters.malformed++;
					const receivers = topics.get(message.topic);
					if (!receivers) return;
					message.clients = receivers.size;
					for (const receiver of receivers) send(receiver, message);
					counters.relayed++;
					return;
				}
				case 'ping':
					send(conn, { type: 'pong' });
					return;
				default:
					counters.malformed++;
			}
		});

		function leave(topic) {
			if (typeof topic !== 'string') return;
			const receivers = topics.get(topic);
			receivers?.delete(conn);
			if (receivers && receivers.size === 0) topics.delete(topic);
			subscribed.delete(topic);
		}

		conn.on('close', () => {
			clearInterval(heartbeat);
			for (const topic of [...subscribed]) leave(topic);
		});
	});

	const summary = setInterval(() => {
		const s = stats();
		log(
			`signaling: ${s.open} open, ${s.topics} topics, ${s.relayed} relayed, ${s.malformed} malformed, ${s.rateLimited} rate-limited`
		);
	}, options.summaryMs ?? 60_000);
	summary.unref();

	return new Promise((resolve, reject) => {
		http.once('error', reject);
		http.listen(config.port, config.host, () => {
			const { port } = http.address();
			resolve({
				port,
				url: `ws://${config.host}:${port}`,
				stats,
				close: () =>
					new Promise((done) => {
						clearInterval(summary);
						for (const client of wss.clients) client.terminate();
						wss.close(() => http.close(() => done()));
					})
			});
		});
	});
}
