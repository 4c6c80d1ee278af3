import * as encoding from 'lib0/encoding';
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { deviceTag, openPresence, sealPresence } from '../../src/lib/crypto/presence';
import {
	buildDefaults,
	checkConfig,
	checkIceServer,
	checkSignalingUrl,
	parseConfig
} from '../../src/lib/sync/network-config';
import { checkPeerMessage } from '../../src/lib/sync/peer-message';
import { checkPresence, Presence } from '../../src/lib/sync/presence';

function syncMessage(write: (encoder: encoding.Encoder) => void): Uint8Array {
	const encoder = encoding.createEncoder();
	encoding.writeVarUint(encoder, 0);
	write(encoder);
	return encoding.toUint8Array(encoder);
}

describe('checkPeerMessage', () => {
	const doc = new Y.Doc();
	doc.getArray('log').push([new Uint8Array([1, 2, 3])]);

	it('accepts what y-webrtc sends', () => {
		const awareness = new awarenessProtocol.Awareness(doc);
		awareness.setLocalState({ s: 'sealed' });
		const messages = [
			syncMessage((e) => syncProtocol.writeSyncStep1(e, doc)),
			syncMessage((e) => syncProtocol.writeSyncStep2(e, doc)),
			syncMessage((e) => syncProtocol.writeUpdate(e, Y.encodeStateAsUpdate(doc))),
			(() => {
				const e = encoding.createEncoder();
				encoding.writeVarUint(e, 1);
				encoding.writeVarUint8Array(
					e,
					awarenessProtocol.encodeAwarenessUpdate(awareness, [doc.clientID])
				);
				return encoding.toUint8Array(e);
			})(),
			new Uint8Array([3]),
			(() => {
				const e = encoding.createEncoder();
				encoding.writeVarUint(e, 4);
				encoding.writeUint8(e, 1);
				encoding.writeVarString(e, 'peer-id');
				return encoding.toUint8Array(e);
			})()
		];
		for (const message of messages) expect(checkPeerMessage(message).ok).toBe(true);
		awareness.destroy();
	});

	it('refuses junk without throwing: 5,000 random messages', () => {
		let refused = 0;
		for (let i = 0; i < 5_000; i++) {
			const message = nacl.randomBytes(1 + (i % 64));
			message[0] = i % 6; // every message type, with a broken body
			const result = checkPeerMessage(message);
			if (!result.ok) refused++;
		}
		expect(refused).toBeGreaterThan(4_000);
		expect(checkPeerMessage(new Uint8Array(0)).ok).toBe(false);
		expect(checkPeerMessage(new Uint8Array([9])).ok).toBe(false);
		// An awareness state that is not an object, and one that is not JSON.
		for (const text of ['[1,2]', '{"a":', '42']) {
			const inner = encoding.createEncoder();
			encoding.writeVarUint(inner, 1);
			encoding.writeVarUint(inner, 7);
			encoding.writeVarUint(inner, 1);
			encoding.writeVarString(inner, text);
			const e = encoding.createEncoder();
			encoding.writeVarUint(e, 1);
			encoding.writeVarUint8Array(e, encoding.toUint8Array(inner));
			expect(checkPeerMessage(encoding.toUint8Array(e)).ok, text).toBe(false);
		}
		// A flood of states, and one oversized state.
		const awarenessMessage = (states: Array<[number, string]>) => {
			const inner = encoding.createEncoder();
			encoding.writeVarUint(inner, states.length);
			for (const [client, json] of states) {
				encoding.writeVarUint(inner, client);
				encoding.writeVarUint(inner, 1);
				encoding.writeVarString(inner, json);
			}
			const e = encoding.createEncoder();
			encoding.writeVarUint(e, 1);
			encoding.writeVarUint8Array(e, encoding.toUint8Array(inner));
			return encoding.toUint8Array(e);
		};
		const many = Array.from({ length: 1_001 }, (_, i): [number, string] => [i, '{"s":"x"}']);
		expect(checkPeerMessage(awarenessMessage(many)).ok).toBe(false);
		expect(checkPeerMessage(awarenessMessage(many.slice(0, 1_000))).ok).toBe(true);
		expect(
			checkPeerMessage(awarenessMessage([[1, JSON.stringify({ s: 'x'.repeat(9_000) })]])).ok
		).toBe(false);
		// A sync update that is not a Yjs update.
		const broken = syncMessage((e) =>
			syncProtocol.writeUpdate(e, new Uint8Array([0xff, 0xff, 0xff]))
		);
		expect(checkPeerMessage(broken).ok).toBe(false);
	});
});

describe('sealed presence', () => {
	const key = nacl.randomBytes(32);

	it('round-trips under the read key and opens to null under any other or on junk', () => {
		const state = { user: { name: 'Ada', color: '#e5484d' }, page: 'p', role: 'edit' };
		const sealed = sealPresence(key, state);
		expect(sealed).not.toContain('Ada');
		expect(openPresence(key, sealed)).toEqual(state);
		expect(openPresence(nacl.randomBytes(32), sealed)).toBeNull();
		for (const junk of [null, 42, '', '!!!', 'AAAA', sealed.slice(0, -2), 'x'.repeat(100_000)]) {
			expect(openPresence(key, junk)).toBeNull();
		}
	});

	it('keeps only well-formed states, with safe names and colours', () => {
		expect(checkPresence(null)).toBeNull();
		expect(checkPresence({ user: 'Ada' })).toBeNull();
		expect(checkPresence({ user: { name: 'Ada', color: 'red' }, role: 'admin' })).toBeNull();
		expect(checkPresence({ user: { name: ' '.repeat(3), color: 'red' }, role: 'view' })).toEqual({
			user: { name: 'Someone', color: '#8a8f98' },
			page: null,
			role: 'view'
		});
		const long = checkPresence({ user: { name: 'x'.repeat(500), color: '#ABCDEF' }, role: 'edit' });
		expect(long?.user.name.length).toBe(40);
		expect(long?.user.color).toBe('#ABCDEF');
	});

	it('mirrors remote states opened, and what a relay sees is sealed', () => {
		const key2 = nacl.randomBytes(32);
		const make = (readKey: Uint8Array) => new Presence(new Y.Doc(), new Y.Doc(), readKey);
		const alice = make(key);
		const bob = make(key);
		const eve = make(key2);
		alice.setLocal({ user: { name: 'Alice', color: '#0090ff' }, page: 'page-1', role: 'edit' });
		const sealedUpdate = awarenessProtocol.encodeAwarenessUpdate(alice.sealed, [
			alice.sealed.clientID
		]);
		expect(new TextDecoder().decode(sealedUpdate)).not.toContain('Alice');
		expect(new TextDecoder().decode(sealedUpdate)).not.toContain('page-1');
		awarenessProtocol.applyAwarenessUpdate(bob.sealed, sealedUpdate, 'remote');
		awarenessProtocol.applyAwarenessUpdate(eve.sealed, sealedUpdate, 'remote');
		expect(bob.peers()).toEqual([
			{
				clientId: alice.sealed.clientID,
				user: { name: 'Alice', color: '#0090ff' },
				page: 'page-1',
				role: 'edit',
				self: false
			}
		]);
		expect(eve.peers()).toEqual([]);
		// Alice leaves.
		alice.setLocal({ user: { name: 'Alice', color: '#0090ff' }, page: null, role: 'edit' });
		alice.sealed.setLocalState(null);
		awarenessProtocol.applyAwarenessUpdate(
			bob.sealed,
			awarenessProtocol.encodeAwarenessUpdate(alice.sealed, [alice.sealed.clientID]),
			'remote'
		);
		expect(bob.peers()).toEqual([]);
		for (const p of [alice, bob, eve]) p.destroy();
	});
});

describe('presence across tabs of one browser', () => {
	it('marks the same browser as "self" and labels its caret, per space only', () => {
		const key = nacl.randomBytes(32);
		const secret = nacl.randomBytes(16);
		expect(deviceTag(secret, 'space-a', 7)).toBe(deviceTag(secret, 'space-a', 7));
		expect(deviceTag(secret, 'space-a', 7)).not.toBe(deviceTag(secret, 'space-b', 7));
		expect(deviceTag(secret, 'space-a', 7)).not.toBe(deviceTag(secret, 'space-a', 8));
		expect(deviceTag(secret, 'space-a', 7)).toMatch(/^[0-9a-f]{16}$/);
		const make = (device: Uint8Array) =>
			new Presence(new Y.Doc(), new Y.Doc(), key, { device: { secret: device, spaceId: 's' } });
		const tabOne = make(secret);
		const tabTwo = make(secret);
		const other = make(nacl.randomBytes(16));
		tabOne.setLocal({ user: { name: 'Ada', color: '#0090ff' }, page: null, role: 'edit' });
		tabTwo.setLocal({ user: { name: 'Ada', color: '#0090ff' }, page: null, role: 'edit' });
		other.setLocal({ user: { name: 'Bo', color: '#30a46c' }, page: null, role: 'edit' });
		for (const from of [tabOne, other]) {
			awarenessProtocol.applyAwarenessUpdate(
				tabTwo.sealed,
				awarenessProtocol.encodeAwarenessUpdate(from.sealed, [from.sealed.clientID]),
				'remote'
			);
		}
		const peers = tabTwo.peers();
		expect(peers.map((p) => [p.user.name, p.self])).toEqual([
			['Ada (other tab)', true],
			['Bo', false]
		]);
		for (const p of [tabOne, tabTwo, other]) p.destroy();
	});
});

describe('network settings', () => {
	it('accepts wss anywhere and ws only on this machine', () => {
		expect(checkSignalingUrl('wss://signal.example.org').ok).toBe(true);
		expect(checkSignalingUrl(' ws://127.0.0.1:4444 ')).toEqual({
			ok: true,
			value: 'ws://127.0.0.1:4444'
		});
		expect(checkSignalingUrl('ws://localhost:4444').ok).toBe(true);
		for (const bad of [
			'ws://example.org',
			'http://127.0.0.1:4444',
			'nonsense',
			'wss://a.b/#x',
			'wss://u:p@a.b'
		]) {
			const result = checkSignalingUrl(bad);
			expect(result.ok, bad).toBe(false);
			if (!result.ok) expect(result.error.length).toBeGreaterThan(10);
		}
	});

	it('checks STUN and TURN servers', () => {
		expect(checkIceServer({ urls: 'stun:stun.example.org:3478' }).ok).toBe(true);
		expect(checkIceServer({ urls: 'turn:turn.example.org' }).ok).toBe(false);
		expect(checkIceServer({ urls: 'turns:t.example.org', username: 'u', credential: 'p' }).ok).toBe(
			true
		);
		expect(checkIceServer({ urls: 'http://x' }).ok).toBe(false);
	});

	it('lists every problem of a configuration, and needs one signaling server', () => {
		const result = checkConfig({
			signaling: ['bad', 'ws://example.org'],
			iceServers: [{ urls: 'x' }]
		});
		expect(result.ok).toBe(false);
		if (!result.ok) expect(result.error.split('. ').length).toBeGreaterThanOrEqual(3);
		expect(checkConfig({ signaling: [' '], iceServers: [] }).ok).toBe(false);
		expect(checkConfig({ signaling: ['wss://a.b', 'wss://a.b'], iceServers: [] })).toEqual({
			ok: true,
			value: { signaling: ['wss://a.b'], iceServers: [] }
		});
	});

	it('reads stored and built-in settings defensively', () => {
		expect(parseConfig(null)).toBeNull();
		expect(parseConfig({ signaling: 'x', iceServers: [] })).toBeNull();
		expect(
			parseConfig({ signaling: ['wss://a.b', 7], iceServers: [{ urls: 'stun:s' }, 'junk'] })
		).toEqual({
			signaling: ['wss://a.b'],
			iceServers: [{ urls: 'stun:s' }]
		});
		expect(buildDefaults({})).toEqual({
			signaling: ['ws://127.0.0.1:4444'],
			iceServers: [],
			relays: []
		});
		expect(
			buildDefaults({
				VITE_SIGNALING: 'wss://one.example, wss://two.example',
				VITE_ICE_SERVERS: '[{"urls":"stun:s.example"}]',
				VITE_RELAYS: 'wss://relay.example/relay'
			})
		).toEqual({
			signaling: ['wss://one.example', 'wss://two.example'],
			iceServers: [{ urls: 'stun:s.example' }],
			relays: ['wss://relay.example/relay']
		});
		// Relays are checked as servers are; settings saved before relays have none (defaults apply).
		expect(
			parseConfig({
				signaling: ['wss://a.b'],
				iceServers: [],
				relays: ['ws://127.0.0.1:1/relay', 3]
			})
		).toEqual({ signaling: ['wss://a.b'], iceServers: [], relays: ['ws://127.0.0.1:1/relay'] });
		expect(buildDefaults({ VITE_ICE_SERVERS: '{broken' }).iceServers).toEqual([]);
	});
});
