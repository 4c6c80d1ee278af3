// The signaling guard (sync/signaling-guard.ts) on a stand-in for y-webrtc's signaling client:
// a publish for one of our rooms reaches y-webrtc only if it opens under that room's key and is
// an announce or a signal; drops are told to the room they concern (per room, not globally);
// frames that are not JSON never reach lib0's parser; unregistering stops it all for that room.
import * as buffer from 'lib0/buffer';
import * as encoding from 'lib0/encoding';
import { Observable } from 'lib0/observable';
import { describe, expect, it } from 'vitest';
import { guardRoom, type DropReason } from '../../src/lib/sync/signaling-guard';
import type { SignalingClient } from '../../src/lib/sync/y-webrtc-room';
import { sealForRoom } from '../support/y-webrtc-seal';

/** y-webrtc's client as the guard sees it: emit('message', [parsed]) and a socket. */
class FakeClient extends Observable<string> implements SignalingClient {
	readonly url = 'ws://127.0.0.1:1';
	connected = true;
	readonly heard: unknown[] = [];
	readonly parsed: string[] = [];
	readonly sent: unknown[] = [];
	ws: WebSocket | null = {
		readyState: 1,
		onmessage: (event: MessageEvent) => this.parsed.push(String(event.data))
	} as unknown as WebSocket;
	/** As lib0's client: throws when the socket is not open. */
	send(message: unknown) {
		if (this.ws?.readyState !== 1) throw new Error('WebSocket is not open');
		this.sent.push(message);
	}
	constructor() {
		super();
		this.on('message', (message: unknown) => this.heard.push(message));
	}
	/** A text frame arriving on the socket. */
	frame(text: string) {
		const ws = this.ws as WebSocket;
		ws.onmessage?.call(ws, { data: text } as MessageEvent);
	}
}

const key = () =>
	crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);

const publish = (topic: string, data: unknown) => ({ type: 'publish', topic, data });
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('signaling guard', () => {
	it('passes announces and signals that open under the room key, drops the rest per room', async () => {
		const client = new FakeClient();
		const [keyA, keyB] = await Promise.all([key(), key()]);
		const drops: Record<string, DropReason[]> = { a: [], b: [] };
		guardRoom(client, 'a', Promise.resolve(keyA), (reason) => drops.a?.push(reason));
		guardRoom(client, 'b', Promise.resolve(keyB), (reason) => drops.b?.push(reason));

		const announce = publish('a', await sealForRoom(keyA, { type: 'announce', from: 'peer-1' }));
		const offer = publish(
			'a',
			await sealForRoom(keyA, {
				type: 'signal',
				from: 'p',
				to: 'q',
				signal: { type: 'offer', sdp: 'v=0' }
			})
		);
		client.emit('message', [announce]);
		client.emit('message', [offer]);
		client.emit('message', [{ type: 'pong' }]);
		client.emit('message', [publish('someone-else', 'anything')]);
		// For room a: sealed under b's key, not base64, too long, another cipher, not a signal.
		client.emit('message', [
			publish('a', await sealForRoom(keyB, { type: 'announce', from: 'x' }))
		]);
		client.emit('message', [publish('a', '%%%')]);
		client.emit('message', [publish('a', 'A'.repeat(70_000))]);
		const other = encoding.createEncoder();
		encoding.writeVarString(other, 'ROT13');
		client.emit('message', [publish('a', buffer.toBase64(encoding.toUint8Array(other)))]);
		client.emit('message', [publish('a', await sealForRoom(keyA, { type: 'announce' }))]);
		client.emit('message', [
			publish(
				'a',
				await sealForRoom(keyA, { type: 'signal', from: 'p', to: 'q', signal: { type: 'offer' } })
			)
		]);
		await settle();

		// (Checks finish in any order: each waits for its own decryption.)
		expect(client.heard).toHaveLength(4);
		expect(client.heard).toEqual(
			expect.arrayContaining([
				announce,
				offer,
				{ type: 'pong' },
				publish('someone-else', 'anything')
			])
		);
		expect(drops.a?.slice().sort()).toEqual(
			[
				'does-not-open',
				'does-not-open',
				'not-a-sealed-signal',
				'unknown-encryption',
				'not-a-signal',
				'not-a-signal'
			].sort()
		);
		expect(drops.b).toEqual([]);
		// Junk with no room (not an object, no topic) concerns every room on the client.
		client.emit('message', ['just a string']);
		client.emit('message', [{ type: 'publish', topic: 7 }]);
		await settle();
		expect(drops.a?.slice(-2)).toEqual(['not-an-object', 'no-topic']);
		expect(drops.b).toEqual(['not-an-object', 'no-topic']);
	});

	it('keeps frames that are not JSON from lib0, and installs itself once per client', async () => {
		const client = new FakeClient();
		const drops: DropReason[] = [];
		const stopA = guardRoom(client, 'a', key(), (reason) =>
			drops.push(`a:${reason}` as DropReason)
		);
		guardRoom(client, 'b', key(), (reason) => drops.push(`b:${reason}` as DropReason));
		client.frame('{"type":"pong"}');
		client.frame('{not json');
		expect(client.parsed).toEqual(['{"type":"pong"}']);
		expect(drops).toEqual(['a:not-json', 'b:not-json']);

		// Unregistered: room a hears nothing more, and its publishes pass untouched (not ours).
		stopA();
		client.frame('}');
		client.emit('message', [publish('a', 'junk')]);
		await settle();
		expect(drops).toEqual(['a:not-json', 'b:not-json', 'b:not-json']);
		expect(client.heard).toEqual([publish('a', 'junk')]);
	});

	it('drops what y-webrtc sends while the socket is reconnecting, instead of throwing', () => {
		const client = new FakeClient();
		guardRoom(client, 'a', key(), () => {});
		client.send({ type: 'publish', topic: 'a', data: 'x' });
		(client.ws as unknown as { readyState: number }).readyState = 0; // CONNECTING
		expect(() => client.send({ type: 'publish', topic: 'a', data: 'y' })).not.toThrow();
		client.ws = null;
		expect(() => client.send({ type: 'subscribe', topics: ['a'] })).not.toThrow();
		expect(client.sent).toEqual([{ type: 'publish', topic: 'a', data: 'x' }]);
	});

	it('lets everything through for a room without a key (no password)', async () => {
		const client = new FakeClient();
		const drops: DropReason[] = [];
		guardRoom(client, 'open', Promise.resolve(null), (reason) => drops.push(reason));
		client.emit('message', [publish('open', { type: 'announce', from: 'x' })]);
		await settle();
		expect(client.heard).toHaveLength(1);
		expect(drops).toEqual([]);
	});
});
