// Home's view of this device: the spaces it holds, and creating, renaming and deleting them.
import { describe } from './messages';
import * as keyring from '../storage/keyring';
import { deleteStored, legacyStore, logStore } from '../storage/space-store';
import { createSpace, renameSpace } from './space-admin';
import type { SpaceEvents } from './space-events';

export type { SpaceEntry } from '../storage/keyring';

export class Workspace {
	spaces = $state.raw<keyring.SpaceEntry[]>([]);
	damaged = $state.raw<string[]>([]);
	loaded = $state(false);
	error = $state<string | null>(null);
	#unsubscribe: (() => void) | null = null;
	readonly #events: SpaceEvents;

	constructor(events: SpaceEvents) {
		this.#events = events;
	}

	start() {
		this.#unsubscribe = this.#events.subscribe(() => void this.refresh());
		void this.refresh();
		return () => this.#unsubscribe?.();
	}

	async refresh() {
		try {
			const listing = await keyring.list();
			this.spaces = listing.spaces;
			this.damaged = listing.damaged;
			this.error = null;
		} catch (error) {
			this.error = `Your spaces could not be read from this browser's storage (${describe(error)}). Check that site data is allowed, then reload.`;
		} finally {
			this.loaded = true;
		}
	}

	async create(name: string): Promise<string> {
		const id = await createSpace(name);
		this.#events.publish({ type: 'changed', id });
		return id;
	}

	async rename(id: string, name: string) {
		await renameSpace(id, name);
		this.#events.publish({ type: 'changed', id });
	}

	async remove(id: string) {
		const entry = await keyring.get(id);
		await keyring.remove(id);
		this.#events.publish({ type: 'deleted', id });
		// A space not migrated yet still has its old database; a migrated one has its log.
		await deleteStored(entry?.cap ? logStore() : legacyStore(), id);
	}
}
