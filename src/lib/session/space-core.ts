// One space's data, open: its capability from the keyring, its log doc from storage, the bridge
// that rebuilds the plaintext content doc from the log, and the tab channel (which carries the
// log, so only ciphertext crosses between tabs too). No UI, no editor.
import type * as Y from 'yjs';
import {
	fromBytes,
	toBytes,
	type Capability,
	type EditCapability,
	type ViewCapability
} from '../crypto/capability';
import { signingKeys } from '../crypto/signing';
import { createContentDoc } from '../doc/schema';
import { Bridge } from '../log/bridge';
import { createLogDoc } from '../log/log-doc';
import type { SpaceEntry, StoredCapability } from '../storage/keyring';
import type { Persisted, PersistOptions } from '../storage/persist';
import { logStore, openStored } from '../storage/space-store';
import { TabChannel } from '../sync/tab-channel';

export interface Core {
	readonly id: string;
	readonly cap: EditCapability | ViewCapability;
	readonly content: Y.Doc;
	readonly log: Y.Doc;
	readonly bridge: Bridge;
	readonly store: Persisted;
	readonly tabs: TabChannel;
	destroy(): Promise<void>;
}

export function capabilityOf(stored: StoredCapability): Capability {
	const cap = fromBytes(stored.kind, stored.bytes);
	// The keyring checks lengths when it reads an entry, so this cannot happen with its data.
	if (cap === null) throw new Error('This space’s key on this device is damaged.');
	return cap;
}

export function storedOf(cap: Capability): StoredCapability {
	return { kind: cap.kind, bytes: toBytes(cap) };
}

export const RELAY_ONLY =
	'This device holds only a relay key for this space: it can keep and pass on the space for others, but not read it.';

/** Opens a space whose capability is in the keyring. */
export async function openCore(
	entry: SpaceEntry,
	events: Pick<PersistOptions, 'onSaveState'> = {},
	content: Y.Doc = createContentDoc()
): Promise<Core> {
	if (entry.cap === null) throw new Error('This space has not been migrated yet.');
	const cap = capabilityOf(entry.cap);
	if (cap.kind === 'relay') throw new Error(RELAY_ONLY);
	const log = createLogDoc();
	const [store, keys] = await Promise.all([
		openStored(logStore(), cap.room, log, events),
		signingKeys(cap)
	]);
	try {
		const bridge = await Bridge.create({
			content,
			log,
			cap,
			...keys
		});
		store.journalFrom(bridge);
		const tabs = new TabChannel(`cp-tabs-${cap.room}`, log);
		let closing: Promise<void> | null = null;
		return {
			id: cap.room,
			cap,
			content,
			log,
			bridge,
			store,
			tabs,
			destroy() {
				closing ??= (async () => {
					bridge.flushNow();
					await bridge.settled();
					bridge.destroy();
					tabs.destroy();
					await store.destroy();
					log.destroy();
					content.destroy();
				})();
				return closing;
			}
		};
	} catch (error) {
		await store.destroy();
		throw error;
	}
}
