// One loader process of the load harness (bench/load/run.js): opens its share of the clients
// (bench/load/clients.ts, compiled to build/__load/clients.js), and on the parent's word sends
// updates at a steady pace, timing each from publish to delivery at every other client of its
// room (all of a room's clients live in one process, so one clock serves both ends).
//
// Parent → worker: { type: 'open', kind, urls, rooms: [{ secret, path }], perRoom }
//                  (a room's clients take the urls in turn: nodes of one service)
//                  { type: 'prepare', updates, bytes }   { type: 'go', updates, intervalMs, seed }
//                  { type: 'idle', url, count }   (sockets held open, subscribed)
//                  { type: 'close' }
// Worker → parent: { type: 'opened', clients } | { type: 'prepared' } | { type: 'error', message }
//                  { type: 'idled', held }
//                  { type: 'done', sent, delivered, expected, latencies, cpuSeconds }
import {
	relayClient,
	signalingClient,
	spaceKeys,
	yWebsocketClient
} from '../../build/__load/clients.js';

/** @type {import('./clients').LoadClient[][]} */
let rooms = [];

function send(message) {
	process.send?.(message);
}

async function open({ kind, urls, rooms: wanted, perRoom }) {
	rooms = [];
	const url = (i) => urls[i % urls.length];
	for (const room of wanted) {
		const clients = [];
		if (kind === 'relay') {
			// The first member asks the relay to keep the space; the others join it.
			const keys = await spaceKeys(room.secret);
			const first = relayClient(url(0), keys, true);
			await first.ready;
			clients.push(first);
			for (let i = 1; i < perRoom; i++) clients.push(relayClient(url(i), keys, false));
		} else if (kind === 'signaling') {
			for (let i = 0; i < perRoom; i++) clients.push(signalingClient(url(i), room.path));
		} else {
			for (let i = 0; i < perRoom; i++) clients.push(yWebsocketClient(`${url(i)}/${room.path}`));
		}
		await Promise.all(clients.map((client) => client.ready));
		rooms.push(clients);
	}
	send({ type: 'opened', clients: rooms.length * perRoom });
}

/** Idle connections: `count` sockets to `url`, each subscribed to a topic of its own, held. */
async function idle({ url, count }) {
	const { WebSocket } = await import('ws');
	let held = 0;
	const sockets = [];
	for (let i = 0; i < count; i += 100) {
		const batch = Array.from({ length: Math.min(100, count - i) }, (_, k) => {
			const socket = new WebSocket(url);
			sockets.push(socket);
			return new Promise((resolve) => {
				socket.once('open', () => {
					socket.send(
						JSON.stringify({ type: 'subscribe', topics: [`idle-${process.pid}-${i + k}`] })
					);
					held++;
					resolve();
				});
				// reason: a refused or failed connection is counted as not held.
				socket.once('error', () => resolve());
			});
		});
		await Promise.all(batch);
	}
	globalThis.idleSockets = sockets;
	send({ type: 'idled', held });
}

async function prepare({ updates, bytes }) {
	for (const clients of rooms) for (const client of clients) await client.prepare(updates, bytes);
	send({ type: 'prepared' });
}

/** A seeded generator (xorshift32) in [0, 1): the same offsets every run. */
function random(seed) {
	let x = seed >>> 0 || 1;
	return () => {
		x ^= x << 13;
		x ^= x >>> 17;
		x ^= x << 5;
		return (x >>> 0) / 4294967296;
	};
}

async function go({ updates, intervalMs, seed }) {
	const sentAt = new Map();
	const latencies = [];
	let delivered = 0;
	for (const clients of rooms) {
		for (const client of clients) {
			client.onDeliver = (key) => {
				const at = sentAt.get(key);
				if (at === undefined) return;
				delivered++;
				latencies.push(performance.now() - at);
			};
		}
	}
	const cpuBefore = process.cpuUsage();
	const next = random(seed);
	const expected =
		rooms.reduce((sum, clients) => sum + clients.length * (clients.length - 1), 0) * updates;
	let sent = 0;
	const senders = rooms.flat().map(async (client) => {
		// Spread over the interval, so the load is steady rather than in lockstep.
		await new Promise((resolve) => setTimeout(resolve, next() * intervalMs));
		for (let i = 0; i < updates; i++) {
			sentAt.set(client.send(), performance.now());
			sent++;
			await new Promise((resolve) => setTimeout(resolve, intervalMs));
		}
	});
	await Promise.all(senders);
	const deadline = Date.now() + 20_000;
	while (delivered < expected && Date.now() < deadline) {
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
	const cpu = process.cpuUsage(cpuBefore);
	send({
		type: 'done',
		sent,
		delivered,
		expected,
		latencies,
		cpuSeconds: (cpu.user + cpu.system) / 1e6
	});
}

process.on('message', (message) => {
	if (message.type === 'close') return void process.exit(0);
	const steps = { open, prepare, go, idle };
	steps[message.type]?.(message).catch((error) => {
		send({ type: 'error', message: error?.message ?? String(error) });
	});
});
