// The network side of one open space: presence (sealed awareness and its opened mirror) at once,
// and the WebRTC transport as soon as its code has loaded (it is not needed to show the space,
// so it does not delay opening it). Pausing disconnects from peers and signaling; edits keep
// being saved on the device and merge when sync resumes.
import type { Capability } from '../crypto/capability';
import type { DeviceSettings, Profile } from './device-settings.svelte';
import { checkPresence, Presence, type Peer, type PresenceState } from '../sync/presence';
import type { SpaceTransport, SyncStatus } from '../sync/space-transport';
import type { Core } from './space-core';

export interface SyncCallbacks {
	onStatus(status: SyncStatus): void;
	onPeers(peers: Peer[]): void;
}

export const INITIAL_STATUS: SyncStatus = {
	state: 'connecting',
	peers: 0,
	tabs: 0,
	signalingUp: 0,
	signalingTotal: 0,
	receiving: null,
	dropped: 0
};

export class SpaceSync {
	readonly presence: Presence;
	readonly #core: Core;
	readonly #callbacks: SyncCallbacks;
	#transport: SpaceTransport | null = null;
	#paused = false;
	#closing: Promise<void> = Promise.resolve();
	#destroyed = false;
	#unsubscribe: () => void;

	readonly #device: DeviceSettings;

	constructor(core: Core, device: DeviceSettings, callbacks: SyncCallbacks) {
		this.#core = core;
		this.#device = device;
		const profile = device.profile;
		this.#callbacks = callbacks;
		const cap: Capability = core.cap;
		this.presence = new Presence(core.log, core.content, core.cap.readKey, {
			device: { secret: device.deviceSecret, spaceId: core.id }
		});
		this.presence.setLocal({
			user: { name: profile.name, color: profile.color },
			page: null,
			role: cap.kind === 'edit' ? 'edit' : 'view'
		});
		this.#unsubscribe = this.presence.subscribe(callbacks.onPeers);
		void this.#connect();
	}

	get paused(): boolean {
		return this.#paused;
	}

	async #connect() {
		try {
			const { SpaceTransport } = await import('../sync/space-transport');
			await this.#closing;
			if (this.#destroyed || this.#paused || this.#transport !== null) return;
			this.#transport = new SpaceTransport({
				log: this.#core.log,
				cap: this.#core.cap,
				network: this.#device.network,
				presence: this.presence,
				onStatus: this.#callbacks.onStatus
			});
		} catch (error) {
			console.error('Could not start syncing', error);
			this.#callbacks.onStatus({ ...INITIAL_STATUS, state: 'offline' });
		}
	}

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
		const { user, page, role } = state;
		return { user, page, role };
	}

	pause() {
		if (this.#paused) return;
		this.#paused = true;
		this.#close();
		this.#callbacks.onStatus({ ...INITIAL_STATUS, state: 'offline' });
	}

	resume() {
		if (!this.#paused) return;
		this.#paused = false;
		void this.#connect();
	}

	/** Signaling or ICE settings changed: reconnect with the new ones. */
	reconnect() {
		if (this.#paused) return;
		this.#close();
		void this.#connect();
	}

	async destroy() {
		this.#destroyed = true;
		this.#unsubscribe();
		this.#close();
		await this.#closing;
		this.presence.destroy();
	}

	#close() {
		const transport = this.#transport;
		this.#transport = null;
		if (transport !== null) this.#closing = this.#closing.then(() => transport.destroy());
	}
}
