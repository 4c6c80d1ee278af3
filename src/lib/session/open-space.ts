// The composition root: the one place a space is wired, by the app, migration, benches and
// tests alike. `openSpace(cap, { store, transports })` loads the space's log from a LogStore,
// rebuilds the plaintext content doc through the bridge, and starts the transports; every
// listener on the two documents is attached here or named here.
//
// Who listens to what (all of it):
//   content doc   'update'                 → Bridge: coalesce, seal, append to the log
//                 pages / meta observers    → TreeView (session): the sidebar's tree and name
//                 bodies observer           → PageActivity (session): a page's `updated` time
//                 'update'                  → SpaceSession: keyring's cached name and edit time
//                 one body fragment         → the editor (y-prosemirror), while a page is shown
//   log doc       `log` array observer      → LogGuard (inside the bridge): verify, judge
//                                              deletions, put back, tidy; then the bridge opens
//                 'update'                  → persist(): the LogStore, and the journal for this
//                                              device's own sealing
//                 'update'                  → each transport: tabs, WebRTC (y-webrtc's own
//                                              handler), memory — and what they receive is
//                                              applied back with the transport as origin
//   presence      sealed awareness          → WebRTC and tabs carry it; Presence mirrors it,
//                                              opened, onto the content doc for carets and faces
//
// A keystroke, then: editor → content 'update' → Bridge seals → log push → guard indexes it
// (trusted), persist() stores it, transports send it → the peer's transport applies it to its log
// → its guard verifies it → its bridge opens and applies it → its editor shows it.
import type * as Y from 'yjs';
import {
	fromBytes,
	fromBytesAsync,
	toBytes,
	type Capability,
	type EditCapability,
	type ViewCapability
} from '../crypto/capability';
import { signingKeys } from '../crypto/signing';
import { createContentDoc } from '../doc/schema';
import { Bridge, type BridgeOptions } from '../log/bridge';
import { createLogDoc } from '../log/log-doc';
import type { StoredCapability } from '../storage/keyring';
import type { Journal } from '../storage/journal';
import type { LogStore } from '../storage/log-store';
import { persist, type Persisted, type PersistOptions } from '../storage/persist';
import type { LogTransport } from '../sync/log-transport';

export interface OpenedSpace {
	/** The room: the space's address (database, signaling room, `?id=`). */
	readonly id: string;
	readonly cap: EditCapability | ViewCapability;
	readonly content: Y.Doc;
	readonly log: Y.Doc;
	readonly bridge: Bridge;
	readonly stored: Persisted;
	readonly transports: readonly LogTransport[];
	/** Seals what is waiting, stores it, stops the transports, frees both docs. Safe twice. */
	destroy(): Promise<void>;
}

export interface Wiring {
	/** Where the log rests. */
	store: LogStore;
	/** This device's synchronous journal for the room (a browser's localStorage), or none. */
	journal?: Journal | null;
	onSaveState?: PersistOptions['onSaveState'];
	/** Transports to start once the space is loaded (more can be added by the caller later). */
	transports?: (space: { id: string; log: Y.Doc }) => LogTransport[];
	/** The content doc to rebuild into (a fresh one by default). */
	content?: Y.Doc;
	/** Bridge settings (coalescing, compaction bounds, pauses): tests and benches tune them. */
	bridge?: Partial<Omit<BridgeOptions, 'content' | 'log' | 'cap' | 'signer' | 'verifier'>>;
}

export async function openSpace(
	cap: EditCapability | ViewCapability,
	wiring: Wiring
): Promise<OpenedSpace> {
	const content = wiring.content ?? createContentDoc();
	const log = createLogDoc();
	const [stored, keys] = await Promise.all([wiring.store.open(cap.room), signingKeys(cap)]);
	let kept: Persisted | null = null;
	try {
		kept = await persist(log, stored, {
			journal: wiring.journal ?? null,
			...(wiring.onSaveState ? { onSaveState: wiring.onSaveState } : {})
		});
		const bridge = await Bridge.create({ content, log, cap, ...keys, ...wiring.bridge });
		kept.journalFrom(bridge);
		const transports = wiring.transports?.({ id: cap.room, log }) ?? [];
		const persisted = kept;
		let closing: Promise<void> | null = null;
		return {
			id: cap.room,
			cap,
			content,
			log,
			bridge,
			stored: persisted,
			transports,
			destroy() {
				closing ??= (async () => {
					bridge.flushNow();
					await bridge.settled();
					for (const transport of transports) await transport.destroy();
					bridge.destroy();
					await persisted.destroy();
					log.destroy();
					content.destroy();
				})();
				return closing;
			}
		};
	} catch (error) {
		if (kept !== null) await kept.destroy();
		else await stored.close();
		throw error;
	}
}

/** A stored capability as a capability (the keyring checks lengths when it reads an entry). */
export function capabilityOf(stored: StoredCapability): Capability {
	const cap = fromBytes(stored.kind, stored.bytes);
	if (cap === null) throw new Error(DAMAGED_KEY);
	return cap;
}

export function storedOf(cap: Capability): StoredCapability {
	return { kind: cap.kind, bytes: toBytes(cap) };
}

const DAMAGED_KEY = 'This space’s key on this device is damaged.';

export const RELAY_ONLY =
	'This device holds only a relay key for this space: it can keep and pass on the space for others, but not read it.';

/**
 * The capability of a keyring entry that can be opened here (edit or view), or a sentence. Its
 * public key comes from WebCrypto where it can: this is on the way to every page opened.
 */
export async function openableCap(
	stored: StoredCapability | null
): Promise<EditCapability | ViewCapability> {
	if (stored === null) throw new Error('This space has not been migrated yet.');
	const cap = await fromBytesAsync(stored.kind, stored.bytes);
	if (cap === null) throw new Error(DAMAGED_KEY);
	if (cap.kind === 'relay') throw new Error(RELAY_ONLY);
	return cap;
}
