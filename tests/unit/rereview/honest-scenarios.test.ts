// Re-review: honest shapes against the new append-shape rules. Real Bridges (compaction on,
// tiny thresholds), a network that passes every message through a PeerGuard per direction the
// way the WebRTC transport does (step 1 sent → one big step 2 allowed; every doc update relayed
// to every peer, as y-webrtc does), sessions that restart with a fresh log client id, an editor
// that writes offline over several sessions, concurrent writers, and a newcomer's first sync.
// Every message must pass and every peer must end with the same content. (Passes: these are the
// honest scenarios verified; see README.)
import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';
import * as syncProtocol from 'y-protocols/sync';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import * as capability from '../../../src/lib/crypto/capability';
import { signingKeys } from '../../../src/lib/crypto/signing';
import * as pages from '../../../src/lib/doc/pages';
import { createContentDoc, pagesMap } from '../../../src/lib/doc/schema';
import { Bridge } from '../../../src/lib/log/bridge';
import { createLogDoc } from '../../../src/lib/log/log-doc';
import { PeerGuard } from '../../../src/lib/sync/peer-guard';

const OPTS = {
	coalesceMs: 1,
	idleMs: 5,
	pauseMs: [0, 5] as const,
	repairMs: 5,
	compactAt: { entries: 6, bytes: 1_000_000 }
};

interface Peer {
	name: string;
	content: Y.Doc;
	log: Y.Doc;
	bridge: Bridge;
	online: boolean;
}

export const refusals: string[] = [];
let queue: Array<() => void> = [];
const guards = new Map<string, PeerGuard>();
const guardOf = (from: Peer, to: Peer) => {
	const key = `${from.name}>${to.name}`;
	let guard = guards.get(key);
	if (guard === undefined) guards.set(key, (guard = new PeerGuard(() => 0)));
	return guard;
};
const peers: Peer[] = [];
const NET = Symbol('net');

function message(sub: number, payload: Uint8Array) {
	const e = encoding.createEncoder();
	encoding.writeVarUint(e, 0);
	encoding.writeVarUint(e, sub);
	encoding.writeVarUint8Array(e, payload);
	return encoding.toUint8Array(e);
}

function send(from: Peer, to: Peer, bytes: Uint8Array) {
	if (bytes[1] === 0) guardOf(to, from).sent(bytes); // `from` asked `to`
	queue.push(() => {
		if (!from.online || !to.online) return;
		const verdict = guardOf(from, to).check(bytes);
		if (!verdict.ok) {
			refusals.push(`${from.name}→${to.name} sub ${bytes[1]}: ${verdict.reason}`);
			return;
		}
		const d = decoding.createDecoder(bytes);
		decoding.readVarUint(d);
		const sub = decoding.readVarUint(d);
		const payload = decoding.readVarUint8Array(d);
		if (sub === syncProtocol.messageYjsSyncStep1) {
			send(to, from, message(1, Y.encodeStateAsUpdate(to.log, payload)));
		} else Y.applyUpdate(to.log, payload, NET);
	});
}

function attach(peer: Peer) {
	peer.log.on('update', (update: Uint8Array) => {
		if (!peer.online) return;
		for (const other of peers)
			if (other !== peer && other.online) send(peer, other, message(2, update));
	});
}

function connect(peer: Peer) {
	peer.online = true;
	for (const other of peers) {
		if (other === peer || !other.online) continue;
		guards.delete(`${peer.name}>${other.name}`);
		guards.delete(`${other.name}>${peer.name}`);
		send(peer, other, message(0, Y.encodeStateVector(peer.log)));
		send(other, peer, message(0, Y.encodeStateVector(other.log)));
	}
}

async function pump() {
	for (let round = 0; round < 200; round++) {
		while (queue.length > 0) {
			const batch = queue;
			queue = [];
			for (const deliver of batch) deliver();
		}
		await new Promise((r) => setTimeout(r, 10));
		for (const p of peers) if (p.online) await p.bridge.settled();
		if (queue.length === 0) return;
	}
}

async function open(name: string, cap: capability.EditCapability, from?: Uint8Array) {
	const log = createLogDoc();
	if (from) Y.applyUpdate(log, from);
	const content = createContentDoc();
	const bridge = await Bridge.create({ content, log, cap, ...(await signingKeys(cap)), ...OPTS });
	const peer: Peer = { name, content, log, bridge, online: false };
	peers.push(peer);
	attach(peer);
	return peer;
}

/** A new session of the same device: its stored log, a fresh client id. */
async function restart(peer: Peer, cap: capability.EditCapability) {
	await peer.bridge.settled();
	const stored = Y.encodeStateAsUpdate(peer.log);
	const wasOnline = peer.online;
	peer.online = false;
	peer.bridge.destroy();
	peers.splice(peers.indexOf(peer), 1);
	const next = await open(peer.name, cap, stored);
	if (wasOnline) connect(next);
	return next;
}

const titles = (p: Peer) =>
	[...pagesMap(p.content).values()].map((m) => String(m.get('title'))).sort();

describe('re-review: honest scenarios pass the append-shape rules', () => {
	it('concurrent writers, restarts, offline sessions, compaction, a newcomer', async () => {
		const cap = capability.fromSecret(capability.newSecret());
		let alice = await open('alice', cap);
		let bob = await open('bob', cap);
		let carol = await open('carol', cap);
		for (const p of [alice, bob, carol]) connect(p);
		await pump();
		let n = 0;
		for (let session = 0; session < 6; session++) {
			// Concurrent writing: all three write before anything is delivered.
			for (let i = 0; i < 4; i++) {
				for (const p of [alice, bob, carol]) pages.createPage(p.content, { title: `t${n++}` });
				await Promise.all([alice, bob, carol].map((p) => p.bridge.flush()));
				await pump();
			}
			alice = await restart(alice, cap);
			bob = await restart(bob, cap);
		}
		// Carol goes offline and writes over several sessions; the others keep writing.
		carol.online = false;
		for (let session = 0; session < 4; session++) {
			for (let i = 0; i < 5; i++) {
				pages.createPage(carol.content, { title: `c${n++}` });
				pages.createPage(alice.content, { title: `a${n++}` });
				await carol.bridge.settled();
				await pump();
				await new Promise((r) => setTimeout(r, 10));
			}
			carol = await restart(carol, cap);
			alice = await restart(alice, cap);
		}
		await pump();
		connect(carol);
		await pump();
		for (const p of [alice, bob, carol]) await p.bridge.maintain();
		await pump();
		const dave = await open('dave', cap);
		connect(dave);
		await pump();
		await dave.bridge.maintain();
		const stats = [alice, bob, carol].map((p) => p.bridge.stats.compactions);
		expect(refusals).toEqual([]);
		expect(stats.some((c) => c > 0)).toBe(true);
		const want = titles(alice);
		expect(want.length).toBe(n);
		for (const p of [bob, carol, dave]) expect(titles(p)).toEqual(want);
		for (const p of peers) p.bridge.destroy();
	}, 60_000);
});
