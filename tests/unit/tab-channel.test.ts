import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { isUpdateRecord as isValidUpdate } from '../../src/lib/storage/log-store';
import { TabChannel } from '../../src/lib/sync/tab-channel';

// Node has BroadcastChannel too, so two "tabs" here are two channels in one process.
const channels: TabChannel[] = [];
afterEach(() => channels.splice(0).forEach((c) => c.destroy()));

const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

function tab(name: string, doc = new Y.Doc()) {
	const channel = new TabChannel(name, doc);
	channels.push(channel);
	return { doc, channel, text: doc.getText('t') };
}

describe('TabChannel', () => {
	it('brings a newcomer up to date both ways, then keeps tabs in step', async () => {
		const a = tab('tabs-1');
		a.text.insert(0, 'from a');
		const offline = new Y.Doc();
		offline.getText('t').insert(0, 'from b, offline. ');
		const b = tab('tabs-1', offline);
		await settle();
		expect(a.text.toString()).toBe(b.text.toString());
		expect(a.text.toString()).toContain('from a');
		expect(a.text.toString()).toContain('from b, offline.');
		b.text.insert(b.text.length, '!');
		await settle();
		expect(a.text.toString()).toBe(b.text.toString());
	});

	it('ignores malformed messages and undecodable updates without throwing', async () => {
		const a = tab('tabs-2');
		a.text.insert(0, 'safe');
		const rogue = new BroadcastChannel('tabs-2');
		rogue.postMessage('junk');
		rogue.postMessage({ type: 'update', from: 'x', update: new Uint8Array([1, 2, 3, 250]) });
		rogue.postMessage({ type: 'hello', from: 'x', sv: 'not bytes', reply: false });
		await settle();
		rogue.close();
		expect(a.text.toString()).toBe('safe');
		expect(a.channel.rejected).toBe(3);
	});
});

describe('isValidUpdate', () => {
	it('accepts Yjs updates and rejects other values', () => {
		const doc = new Y.Doc();
		doc.getText('t').insert(0, 'x');
		expect(isValidUpdate(Y.encodeStateAsUpdate(doc))).toBe(true);
		expect(isValidUpdate(new Uint8Array([255, 1, 2, 3, 200]))).toBe(false);
		expect(isValidUpdate('text')).toBe(false);
		expect(isValidUpdate(null)).toBe(false);
	});
});
