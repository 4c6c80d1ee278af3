// A LogStore in memory: for tests and benches, and the reference the contract suite is
// written against. Faults can be switched on to play a full disk or a damaged record.
import * as Y from 'yjs';
import {
	isUpdateRecord as isUpdate,
	StoreError,
	type Loaded,
	type LogStore,
	type StoredLog
} from './log-store';

interface Room {
	records: unknown[];
	quarantine: unknown[];
}

export class MemoryLogStore implements LogStore {
	readonly #rooms = new Map<string, Room>();
	/** While set, every write fails with this. */
	failing: StoreError | null = null;
	/** A write's commit waits this long (so "acknowledged only once durable" can be seen). */
	commitMs = 0;

	async open(room: string): Promise<StoredLog> {
		const data = this.#room(room);
		return new MemoryLog(room, data, this);
	}

	async remove(room: string): Promise<void> {
		this.#rooms.delete(room);
	}

	async copy(from: string, to: string): Promise<number> {
		const source = this.#rooms.get(from);
		if (source === undefined) return 0;
		this.#room(to).records.push(...source.records);
		return source.records.length;
	}

	/** Test hook: stores a record that is not a Yjs update, as damage on disk would. */
	damage(room: string, record: unknown = new Uint8Array([0xff, 0xff, 0xff])): void {
		this.#room(room).records.push(record);
	}

	/** Test hook: records set aside in a room. */
	quarantined(room: string): number {
		return this.#rooms.get(room)?.quarantine.length ?? 0;
	}

	#room(room: string): Room {
		let data = this.#rooms.get(room);
		if (data === undefined) this.#rooms.set(room, (data = { records: [], quarantine: [] }));
		return data;
	}
}

class MemoryLog implements StoredLog {
	readonly room: string;
	readonly #data: Room;
	readonly #store: MemoryLogStore;
	#closed = false;

	constructor(room: string, data: Room, store: MemoryLogStore) {
		this.room = room;
		this.#data = data;
		this.#store = store;
	}

	get records(): number {
		return this.#data.records.length;
	}

	async load(): Promise<Loaded> {
		this.#check();
		const updates: Uint8Array[] = [];
		const kept: unknown[] = [];
		let damaged = 0;
		for (const record of this.#data.records) {
			if (isUpdate(record)) {
				updates.push(record);
				kept.push(record);
			} else {
				this.#data.quarantine.push(record);
				damaged++;
			}
		}
		this.#data.records = kept;
		return { updates, damaged };
	}

	async append(update: Uint8Array): Promise<void> {
		await this.#commit(() => this.#data.records.push(update.slice()));
	}

	async compact(state: Uint8Array): Promise<void> {
		await this.#commit(() => {
			const updates = this.#data.records.filter(isUpdate);
			this.#data.records = [Y.mergeUpdates([state, ...updates])];
		});
	}

	async close(): Promise<void> {
		this.#closed = true;
	}

	async #commit(write: () => void): Promise<void> {
		this.#check();
		if (this.#store.failing) throw this.#store.failing;
		if (this.#store.commitMs > 0) await new Promise((r) => setTimeout(r, this.#store.commitMs));
		write();
	}

	#check() {
		if (this.#closed) throw new StoreError('closed');
	}
}
