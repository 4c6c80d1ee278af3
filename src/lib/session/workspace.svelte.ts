// Home's view of this device: the spaces it holds, and creating, renaming and deleting them.
import { randomId } from '../doc/schema';
import * as keyring from '../storage/keyring';
import { deleteSpaceData } from '../storage/space-store';
import { createSpace, renameSpace } from './space-admin';
import { spaceEvents } from './space-events';

export type { SpaceEntry } from '../storage/keyring';

export class Workspace {
	spaces = $state.raw<keyring.SpaceEntry[]>([]);
	damaged = $state.raw<string[]>([]);
	loaded = $state(false);
	error = $state<string | null>(null);
	#unsubscribe: (() => void) | null = null;

	start() {
		this.#unsubscribe = spaceEvents.subscribe(() => void this.refresh());
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
		const id = randomId();
		await createSpace(id, name);
		spaceEvents.publish({ type: 'changed', id });
		return id;
	}

	async rename(id: string, name: string) {
		await renameSpace(id, name);
		spaceEvents.publish({ type: 'changed', id });
	}

	async remove(id: string) {
		await keyring.remove(id);
		spaceEvents.publish({ type: 'deleted', id });
		await deleteSpaceData(id);
	}
}

export function describe(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}
