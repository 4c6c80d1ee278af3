import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { Journal } from '../../src/lib/storage/journal';

class MemoryStorage implements Storage {
	#items = new Map<string, string>();
	get length() {
		return this.#items.size;
	}
	clear() {
		this.#items.clear();
	}
	getItem(key: string) {
		return this.#items.get(key) ?? null;
	}
	key(index: number) {
		return [...this.#items.keys()][index] ?? null;
	}
	removeItem(key: string) {
		this.#items.delete(key);
	}
	setItem(key: string, value: string) {
		this.#items.set(key, value);
	}
}

function edits(texts: string[]): Uint8Array[] {
	const doc = new Y.Doc();
	const updates: Uint8Array[] = [];
	doc.on('update', (u: Uint8Array) => updates.push(u));
	for (const text of texts) doc.getText('t').insert(doc.getText('t').length, text);
	return updates;
}

describe('journal', () => {
	it('replays recent local updates into a fresh doc', () => {
		const storage = new MemoryStorage();
		const journal = new Journal('space', storage);
		for (const update of edits(['a', 'b', 'c'])) journal.append(update, 1000);
		const doc = new Y.Doc();
		expect(new Journal('space', storage).replay(doc, null)).toBe(0);
		expect(doc.getText('t').toString()).toBe('abc');
	});

	it('forgets entries older than a few seconds and skips oversize updates', () => {
		const storage = new MemoryStorage();
		const journal = new Journal('space', storage);
		const [first, second] = edits(['old', 'new']) as [Uint8Array, Uint8Array];
		journal.append(first, 0);
		journal.append(second, 60_000);
		journal.append(new Uint8Array(100 * 1024), 60_001);
		const entries = JSON.parse(storage.getItem('cp-journal-space') as string) as unknown[];
		expect(entries).toHaveLength(1);
	});

	it('survives a damaged journal and damaged entries', () => {
		const storage = new MemoryStorage();
		storage.setItem('cp-journal-x', '{not json');
		const doc = new Y.Doc();
		expect(new Journal('x', storage).replay(doc, null)).toBe(0);
		storage.setItem(
			'cp-journal-x',
			JSON.stringify([{ at: 1, update: btoa('\u00ff\u0001garbage') }, 'junk'])
		);
		expect(new Journal('x', storage).replay(doc, null)).toBe(1);
		expect(doc.getText('t').toString()).toBe('');
	});
});
