// A synchronous safety net under IndexedDB. IndexedDB commits asynchronously, and a tab that
// closes or reloads right after a keystroke can abort that commit; localStorage writes are
// synchronous. So each local update is also kept here for a few seconds, and re-applied (Yjs
// updates are idempotent) the next time the space opens.
import * as Y from 'yjs';

/** Long enough for any IndexedDB commit to land; short enough to keep the journal tiny. */
const KEEP_MS = 5_000;
/** Bigger updates (a large paste) rely on IndexedDB alone rather than fill localStorage. */
const MAX_ENTRY_BYTES = 64 * 1024;

interface Entry {
	at: number;
	update: string;
}

export class Journal {
	readonly #key: string;
	readonly #storage: Storage | null;

	constructor(name: string, storage: Storage | null = globalThis.localStorage ?? null) {
		this.#key = `cp-journal-${name}`;
		this.#storage = storage;
	}

	append(update: Uint8Array, now = Date.now()): void {
		if (this.#storage === null || update.length > MAX_ENTRY_BYTES) return;
		const entries = this.#read().filter((entry) => now - entry.at < KEEP_MS);
		entries.push({ at: now, update: toBase64(update) });
		try {
			this.#storage.setItem(this.#key, JSON.stringify(entries));
		} catch (error) {
			// reason: localStorage full or disabled; IndexedDB still stores the update.
			console.warn('The quick-save journal is unavailable', error);
		}
	}

	/** Applies what the journal holds to `doc`; returns how many entries could not be used. */
	replay(doc: Y.Doc, origin: unknown): number {
		let rejected = 0;
		for (const entry of this.#read()) {
			try {
				Y.applyUpdate(doc, fromBase64(entry.update), origin);
			} catch (error) {
				rejected++;
				console.warn('Skipped a damaged journal entry', error);
			}
		}
		return rejected;
	}

	clear(): void {
		this.#storage?.removeItem(this.#key);
	}

	/** Hands what the journal holds to the journal of another name (a space that moved). */
	moveTo(name: string): void {
		const text = this.#storage?.getItem(this.#key);
		if (text == null) return;
		try {
			this.#storage?.setItem(new Journal(name, this.#storage).#key, text);
		} catch (error) {
			// reason: a full localStorage: the journal only ever duplicates IndexedDB.
			console.warn('The quick-save journal could not be moved', error);
		}
		this.clear();
	}

	#read(): Entry[] {
		try {
			const parsed: unknown = JSON.parse(this.#storage?.getItem(this.#key) ?? '[]');
			if (!Array.isArray(parsed)) return [];
			return parsed.filter(
				(e): e is Entry =>
					typeof e === 'object' &&
					e !== null &&
					typeof (e as Entry).at === 'number' &&
					typeof (e as Entry).update === 'string'
			);
		} catch (error) {
			// reason: a damaged journal is dropped; it only ever duplicates IndexedDB.
			console.warn('Ignored a damaged journal', error);
			return [];
		}
	}
}

function toBase64(bytes: Uint8Array): string {
	let text = '';
	for (let i = 0; i < bytes.length; i += 0x8000) {
		text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
	}
	return btoa(text);
}

function fromBase64(text: string): Uint8Array {
	return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}
