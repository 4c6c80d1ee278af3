// Signaling across server nodes, on Redis pub/sub (REDIS_URL): the way Hocuspocus's Redis
// extension and socket.io's Redis adapter do it. A node subscribes a topic's channel when its
// first local client subscribes the topic and drops it when its last one leaves; every publish
// goes to local subscribers at once and, tagged with this node's id, to the channel, so other
// nodes deliver it to theirs and this node never delivers its own twice. What Redis carries is
// what a signaling server sees anyway: topics (rooms) and publishes as received (sealed by the
// room's key when clients use one, as Commonplace does). ioredis reconnects and re-subscribes
// by itself after Redis restarts; publishes made while it is away reach local clients only.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

const ID_BYTES = 8;

/**
 * How a node connects to Redis (the relay's store too): while Redis is away a command fails at
 * once rather than queueing, and the connection keeps being tried (it restarts; nodes recover
 * by themselves). Connects when asked (`connect()`).
 */
export const REDIS_OPTIONS = {
	retryStrategy: (/** @type {number} */ times) => Math.min(times * 200, 2_000),
	maxRetriesPerRequest: 1,
	enableOfflineQueue: false,
	lazyConnect: true
};

/** How long `join` waits for Redis to confirm a subscription before going on without it. */
const JOIN_WAIT_MS = 2_000;

/**
 * Connects to Redis at `url`; resolves once both connections (publish, subscribe) are ready.
 * `deliver(topic, frame)` is called for each publish another node made on a topic this node
 * has joined. Channels are `prefix` + topic (signaling's by default; the relay has its own).
 * `reconnected()` is called when the subscriber is back after losing its connection (Redis
 * restarted, or dropped it), once its channels are subscribed again: what was published
 * meanwhile never arrived.
 */
export async function redisBus(
	url,
	{ deliver, log = () => {}, prefix = 'cp:sig:', what = 'signaling', reconnected = () => {} }
) {
	const PREFIX = prefix;
	const id = randomBytes(ID_BYTES);
	const pub = new Redis(url, REDIS_OPTIONS);
	// Subscriptions made or dropped while Redis is away wait in the queue (never flushed), and
	// ioredis re-subscribes what it held before: after an outage the channels are what `joined`
	// says.
	const sub = new Redis(url, {
		...REDIS_OPTIONS,
		enableOfflineQueue: true,
		maxRetriesPerRequest: null
	});
	let failures = 0;
	for (const connection of [pub, sub]) {
		// reason: ioredis reports connection errors here and reconnects by itself; counted, and
		// said once per outage, never with any message contents.
		connection.on('error', () => {
			if (failures++ === 0) log(`${what}: Redis unreachable; delivering to this node only`);
		});
		connection.on('ready', () => {
			if (failures > 0) log(`${what}: Redis reachable again`);
			failures = 0;
		});
	}
	await Promise.all([pub.connect(), sub.connect()]);
	const joined = new Set();
	let subscriberLost = false;
	sub.on('close', () => (subscriberLost = true));
	sub.on('ready', () => {
		if (!subscriberLost) return;
		subscriberLost = false;
		// ioredis subscribes its channels again by itself; asking once more tells us when.
		const channels = [...joined].map((topic) => PREFIX + topic);
		(channels.length > 0 ? sub.subscribe(...channels) : Promise.resolve()).then(
			() => {
				try {
					reconnected();
				} catch {
					// reason: the owner's catch-up must not reach ioredis's event handler.
					counters.failed++;
				}
			},
			() => counters.failed++
		);
	});
	const counters = { published: 0, received: 0, failed: 0 };

	sub.on('messageBuffer', (channel, message) => {
		if (message.length <= ID_BYTES || message.subarray(0, ID_BYTES).equals(id)) return;
		const topic = channel.toString('utf8').slice(PREFIX.length);
		if (!joined.has(topic)) return;
		counters.received++;
		try {
			deliver(topic, message.subarray(ID_BYTES));
		} catch {
			// reason: one node's message must not reach ioredis's event handler as an exception.
			counters.failed++;
		}
	});

	return {
		id: id.toString('hex'),
		/**
		 * The first local client subscribed `topic`. Resolves once Redis confirms it (or after
		 * JOIN_WAIT_MS while Redis is away: `reconnected` follows when it is back).
		 */
		join(topic) {
			if (joined.has(topic)) return Promise.resolve();
			joined.add(topic);
			const subscribed = sub.subscribe(PREFIX + topic).then(
				() => {},
				() => {
					counters.failed++;
				}
			);
			return Promise.race([
				subscribed,
				new Promise((resolve) => setTimeout(resolve, JOIN_WAIT_MS).unref())
			]);
		},
		/** The last local client left `topic`. */
		leave(topic) {
			if (!joined.delete(topic)) return;
			sub.unsubscribe(PREFIX + topic).catch(() => counters.failed++);
		},
		/** A local client published `frame` (the bytes as received) on `topic`. */
		publish(topic, frame) {
			counters.published++;
			pub.publish(PREFIX + topic, Buffer.concat([id, frame])).catch(() => counters.failed++);
		},
		stats: () => ({ redis: pub.status === 'ready' && sub.status === 'ready', ...counters }),
		async close() {
			joined.clear();
			// A polite QUIT, but not waiting for ever on a Redis that is away.
			const quitting = Promise.allSettled([pub.quit(), sub.quit()]);
			await Promise.race([quitting, new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
			pub.disconnect();
			sub.disconnect();
		}
	};
}
