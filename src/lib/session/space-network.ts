// The network side of one open space: presence (sealed awareness and its opened mirror), the
// tabs transport at once, and the WebRTC transport as soon as its code has loaded (it is not
// needed to show the space). Pausing ("work offline") disconnects from peers; tabs stay in step
// and edits keep being saved. The sync line is derived here from what the transports report.
import type { Capability } from '../crypto/capability';
import type { Signer } from '../crypto/signing';
import type { LogTransport, TransportStatus } from '../sync/log-transport';
import { logGate, type FirstSyncGate } from '../sync/first-sync-gate';
import { idleStatus } from '../sync/log-transport';
import { checkPresence, Presence, type Peer, type PresenceState } from '../sync/presence';
import { TabsTransport } from '../sync/tabs-transport';
import type { RelayTransport } from '../sync/relay-transport';
import type { WebrtcTransport } from '../sync/webrtc-transport';
import type { DeviceSettings, Profile } from './device-settings.svelte';

export type SyncState = 'offline' | 'connecting' | 'alone' | 'syncing' | 'synced';

/** What the sync line says, in one object. */
export interface SyncStatus {
	state: SyncState;
	/** Browsers connected directly (WebRTC). */
	peers: number;
	/** Other tabs of this browser with the space open. */
	tabs: number;
	signalingUp: number;
	signalingTotal: number;
	/** A big message on its way in (a first sync): bytes so far, in all, and from whom. */
	receiving: { received: number; total: number; from: 'peer' | 'relay' } | null;
	/** Peer, tab and signaling messages dropped as malformed or unopenable since opening. */
	dropped: number;
	/** Relays configured, connected, and holding (committed) everything this device holds. */
	relays: { total: number; connected: number; kept: number };
}

export const INITIAL_STATUS: SyncStatus = {
	state: 'connecting',
	peers: 0,
	tabs: 0,
	signalingUp: 0,
	signalingTotal: 0,
	receiving: null,
	dropped: 0,
	relays: { total: 0, connected: 0, kept: 0 }
};

export interface NetworkCallbacks {
	onStatus(status: SyncStatus): void;
	onPeers(peers: Peer[]): void;
	/** The relays to keep the space on now (none when the person turned that off). */
	relays(): string[];
}

interface Parts {
	id: string;
	cap: Capability & { readKey: Uint8Array };
	log: import('yjs').Doc;
	content: import('yjs').Doc;
}

/** The sync line from the transports' own reports (and whether the person paused syncing). */
export function syncStatus(
	webrtc: TransportStatus,
	tabs: TransportStatus,
	paused: boolean,
	online = globalThis.navigator?.onLine !== false,
	relay: TransportStatus & { total?: number } = idleStatus('relay')
): SyncStatus {
	const up = webrtc.servers?.up ?? 0;
	const relaysKept = paused ? 0 : relay.inSync;
	const relaysUp = paused ? 0 : relay.peers;
	let state: SyncState;
	// Offline as the browser says it is: whatever a transport has not noticed yet.
	if (paused || !online) state = 'offline';
	else if (webrtc.peers > 0) {
		const peersDone = webrtc.inSync === webrtc.peers && webrtc.receiving === null;
		state = peersDone && relaysKept === relaysUp ? 'synced' : 'syncing';
	} else if (relaysUp > 0) state = relaysKept === relaysUp ? 'synced' : 'syncing';
	else if (up > 0) state = 'alone';
	else state = 'connecting';
	return {
		relays: { total: relay.total ?? 0, connected: relaysUp, kept: relaysKept },
		state,
		peers: paused ? 0 : webrtc.peers,
		tabs: tabs.peers,
		signalingUp: paused ? 0 : up,
		signalingTotal: webrtc.servers?.total ?? 0,
		receiving: paused ? null : receivingFrom(webrtc, relay),
		dropped: webrtc.dropped + tabs.dropped + relay.dropped
	};
}

function receivingFrom(webrtc: TransportStatus, relay: TransportStatus): SyncStatus['receiving'] {
	if (webrtc.receiving !== null) return { ...webrtc.receiving, from: 'peer' };
	if (relay.receiving !== null) return { ...relay.receiving, from: 'relay' };
	return null;
}

export class SpaceNetwork {
	readonly presence: Presence;
	readonly tabs: TabsTransport;
	readonly #parts: Parts;
	readonly #device: DeviceSettings;
	readonly #callbacks: NetworkCallbacks;
	#webrtc: WebrtcTransport | null = null;
	#relay: RelayTransport | null = null;
	/** One first sync at a time across WebRTC peers and relays (first-sync-gate.ts). */
	readonly #gate: FirstSyncGate;
	#paused = false;
	#closing: Promise<void> = Promise.resolve();
	#destroyed = false;
	#unsubscribe: () => void;

	constructor(parts: Parts, device: DeviceSettings, callbacks: NetworkCallbacks) {
		this.#parts = parts;
		this.#device = device;
		this.#callbacks = callbacks;
		this.#gate = logGate(parts.log);
		const profile = device.profile;
		this.presence = new Presence(parts.log, parts.content, parts.cap.readKey, {
			device: { secret: device.deviceSecret, spaceId: parts.id }
		});
		this.presence.setLocal({
			user: { name: profile.name, color: profile.color },
			page: null,
			role: parts.cap.kind === 'edit' ? 'edit' : 'view'
		});
		this.tabs = new TabsTransport({
			name: `cp-tabs-${parts.id}`,
			log: parts.log,
			awareness: this.presence.sealed
		});
		this.tabs.on('status', this.#report);
		this.tabs.on('tabPeers', this.#onTabPeers);
		this.#unsubscribe = this.presence.subscribe(callbacks.onPeers);
		// The browser knows first when the network goes: the line says so at once, rather than
		// when each transport finds out (a relay's socket can seem open for seconds).
		globalThis.addEventListener?.('online', this.#report);
		globalThis.addEventListener?.('offline', this.#report);
		void this.#connect();
	}

	get paused(): boolean {
		return this.#paused;
	}

	/** The transports open now (for the curious and for benchmarks). */
	get transports(): LogTransport[] {
		return [this.tabs, this.#webrtc, this.#relay].filter(
			(t): t is NonNullable<typeof t> => t !== null
		);
	}

	get status(): SyncStatus {
		return syncStatus(
			this.#webrtc?.status ?? idleStatus('webrtc'),
			this.tabs.status,
			this.#paused,
			undefined,
			{
				...(this.#relay?.status ?? idleStatus('relay')),
				total: this.#callbacks.relays().length
			}
		);
	}

	async #connect() {
		try {
			const { WebrtcTransport } = await import('../sync/webrtc-transport');
			await this.#closing;
			if (this.#destroyed || this.#paused || this.#webrtc !== null) return;
			const webrtc = new WebrtcTransport({
				log: this.#parts.log,
				cap: this.#parts.cap,
				network: this.#device.network,
				awareness: this.presence.sealed,
				gate: this.#gate
			});
			this.#webrtc = webrtc;
			webrtc.on('status', this.#report);
			// Tabs of this browser meet through the tabs transport, not over WebRTC.
			void webrtc.provider.key.then(() => this.tabs.setPeerId(webrtc.peerId));
			await this.#startRelays();
			this.#report();
		} catch (error) {
			console.error('Could not start syncing', error);
			this.#callbacks.onStatus({ ...INITIAL_STATUS, state: 'offline' });
		}
	}

	/** Relays for this space (the device's, the link's, the space's own), unless turned off. */
	async #startRelays() {
		const urls = this.#callbacks.relays();
		if (urls.length === 0) return;
		const { RelayTransport } = await import('../sync/relay-transport');
		if (this.#destroyed || this.#paused || this.#relay !== null) return;
		this.#relay = new RelayTransport({
			log: this.#parts.log,
			cap: this.#parts.cap,
			urls,
			keep: true,
			gate: this.#gate,
			awareness: this.presence.sealed
		});
		this.#relay.on('status', this.#report);
	}

	/** Asks the relays joined now to stop keeping the space (an editor's signature). */
	async forgetOnRelays(signer: Signer): Promise<{ forgotten: number; asked: number }> {
		return (await this.#relay?.forget(signer)) ?? { forgotten: 0, asked: 0 };
	}

	/** Keeping on relays was turned on or off for this space: only the relays reconnect. */
	async restartRelays() {
		if (this.#destroyed || this.#paused) return;
		this.#closeRelays();
		await this.#startRelays();
		this.#report();
	}

	#onTabPeers = (ids: string[]) => this.#webrtc?.ignorePeers(ids);

	#report = () => {
		if (this.#destroyed) return;
		this.#callbacks.onStatus(this.status);
	};

	setPage(page: string | null) {
		const base = this.#localBase();
		if (base !== null) this.presence.setLocal({ ...base, page });
	}

	setProfile(profile: Profile) {
		const base = this.#localBase();
		if (base !== null) {
			this.presence.setLocal({ ...base, user: { name: profile.name, color: profile.color } });
		}
	}

	/** This person's presence without the caret; null once the space is closing. */
	#localBase(): Omit<PresenceState, 'cursor'> | null {
		if (this.#destroyed) return null;
		const state = checkPresence(this.presence.opened.getLocalState());
		if (state === null) return null;
		const { user, page, role, device } = state;
		return { user, page, role, ...(device === undefined ? {} : { device }) };
	}

	pause() {
		if (this.#paused) return;
		this.#paused = true;
		this.#close();
		this.#report();
	}

	resume() {
		if (!this.#paused) return;
		this.#paused = false;
		void this.#connect();
		this.#report();
	}

	/** Signaling or ICE settings changed: reconnect with the new ones. */
	reconnect() {
		if (this.#paused) return;
		this.#close();
		void this.#connect();
	}

	async destroy() {
		if (this.#destroyed) return this.#closing;
		this.#destroyed = true;
		this.#unsubscribe();
		globalThis.removeEventListener?.('online', this.#report);
		globalThis.removeEventListener?.('offline', this.#report);
		this.#close();
		this.tabs.off('status', this.#report);
		this.tabs.off('tabPeers', this.#onTabPeers);
		await this.tabs.destroy();
		await this.#closing;
		this.#gate.destroy();
		this.presence.destroy();
	}

	#closeRelays() {
		const relay = this.#relay;
		this.#relay = null;
		if (relay === null) return;
		relay.off('status', this.#report);
		this.#closing = this.#closing.then(() => relay.destroy());
	}

	#close() {
		this.#closeRelays();
		const webrtc = this.#webrtc;
		this.#webrtc = null;
		if (webrtc === null) return;
		webrtc.off('status', this.#report);
		this.tabs.setPeerId(null);
		this.#closing = this.#closing.then(() => webrtc.destroy());
	}
}
