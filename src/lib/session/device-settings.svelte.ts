// This device's settings as the UI and open spaces see them: the person's name and colour, the
// servers to reach peers through, and the device secret. Made once by the layout and handed
// down through context; a change saved in another tab arrives through the `storage` event and
// is announced, so open spaces reconnect or rename at once.
import { ObservableV2 } from 'lib0/observable';
import {
	NETWORK_SETTING,
	PROFILE_SETTING,
	RELAYS_OFF_SETTING,
	loadDeviceSecret,
	readSetting,
	writeSetting
} from '../storage/settings';
import {
	buildDefaults,
	checkConfig,
	checkIceServer,
	checkSignalingUrl,
	parseConfig,
	type IceServer,
	type NetworkConfig
} from '../sync/network-config';
import { probeIce, probeRelay, probeSignaling, type Probe } from '../sync/reachability';
import { info as storageInfo, requestPersistence, type StorageInfo } from '../storage/device';

export type { IceServer, NetworkConfig, Probe, StorageInfo };
export {
	checkConfig,
	checkIceServer,
	checkSignalingUrl,
	probeIce,
	probeRelay,
	probeSignaling,
	requestPersistence,
	storageInfo
};

export interface Profile {
	name: string;
	color: string;
	/** False until the person has chosen a name (we ask once). */
	chosen: boolean;
}

export const PALETTE = [
	'#e5484d',
	'#f76b15',
	'#ffc53d',
	'#30a46c',
	'#12a594',
	'#0090ff',
	'#6e56cf',
	'#d6409f'
] as const;

const ANIMALS = [
	'Otter',
	'Heron',
	'Fox',
	'Lynx',
	'Wren',
	'Badger',
	'Marten',
	'Ibis',
	'Hare',
	'Owl'
];
const MAX_NAME = 40;

export const networkDefaults: NetworkConfig = buildDefaults(import.meta.env);

type Events = {
	profile: (profile: Profile) => void;
	network: (network: NetworkConfig) => void;
	/** Which spaces are kept on relays changed (here or in another tab). */
	relays: () => void;
};

/** Spaces remembered as not kept on relays; more is junk (ids are 22 characters). */
const MAX_RELAYS_OFF = 10_000;

export class DeviceSettings extends ObservableV2<Events> {
	profile = $state.raw<Profile>(readProfile());
	network = $state.raw<NetworkConfig>(readNetwork());
	/** Spaces this device does not keep on relays. */
	relaysOff = $state.raw<ReadonlySet<string>>(readRelaysOff());
	readonly deviceSecret: Uint8Array = loadDeviceSecret();
	#destroyed = false;

	constructor() {
		super();
		globalThis.addEventListener?.('storage', this.#onStorage);
	}

	/** Saves a name and colour; false if this browser's storage refused it. */
	setProfile(name: string, color: string): boolean {
		const clean = name.trim().slice(0, MAX_NAME);
		const profile: Profile = { name: clean || this.profile.name, color, chosen: true };
		const saved = writeSetting(PROFILE_SETTING, profile);
		this.profile = profile;
		this.emit('profile', [profile]);
		return saved;
	}

	/** Saves servers that `checkConfig` accepted (null restores the build's defaults). */
	setNetwork(config: NetworkConfig | null): boolean {
		const saved = writeSetting(NETWORK_SETTING, config);
		this.network = config ?? networkDefaults;
		this.emit('network', [this.network]);
		return saved;
	}

	/** The relays this device keeps spaces on: its settings, or the build's defaults. */
	get relays(): string[] {
		return this.network.relays ?? networkDefaults.relays ?? [];
	}

	/** Keeps a space on the relays (the default) or stops; false if storage refused it. */
	setKeepOnRelays(spaceId: string, keep: boolean): boolean {
		// A new set each time ($state.raw): readers see the change by identity.
		const others = [...this.relaysOff].filter((id) => id !== spaceId);
		const next = keep ? others : [...others, spaceId];
		const saved = writeSetting(RELAYS_OFF_SETTING, next.length === 0 ? null : next);
		// eslint-disable-next-line svelte/prefer-svelte-reactivity -- never mutated: replaced whole
		this.relaysOff = new Set(next);
		this.emit('relays', []);
		return saved;
	}

	override destroy(): void {
		if (this.#destroyed) return;
		this.#destroyed = true;
		globalThis.removeEventListener?.('storage', this.#onStorage);
		super.destroy();
	}

	#onStorage = (event: StorageEvent) => {
		if (event.key === NETWORK_SETTING) {
			this.network = readNetwork();
			this.emit('network', [this.network]);
		} else if (event.key === RELAYS_OFF_SETTING) {
			this.relaysOff = readRelaysOff();
			this.emit('relays', []);
		} else if (event.key === PROFILE_SETTING) {
			this.profile = readProfile();
			this.emit('profile', [this.profile]);
		}
	};
}

function readNetwork(): NetworkConfig {
	return parseConfig(readSetting(NETWORK_SETTING)) ?? networkDefaults;
}

function readRelaysOff(): ReadonlySet<string> {
	const stored = readSetting(RELAYS_OFF_SETTING);
	if (!Array.isArray(stored)) return new Set();
	return new Set(
		stored
			.slice(0, MAX_RELAYS_OFF)
			.filter((id): id is string => typeof id === 'string' && id.length <= 64)
	);
}

function readProfile(): Profile {
	const stored = readSetting(PROFILE_SETTING) as Partial<Profile> | null;
	if (
		stored !== null &&
		typeof stored.name === 'string' &&
		stored.name.trim() !== '' &&
		typeof stored.color === 'string' &&
		/^#[0-9a-f]{6}$/i.test(stored.color)
	) {
		return {
			name: stored.name.trim().slice(0, MAX_NAME),
			color: stored.color,
			chosen: stored.chosen === true
		};
	}
	const profile = { name: `Guest ${pick(ANIMALS)}`, color: pick(PALETTE), chosen: false };
	// Without storage the guest name just changes next time; nothing is lost.
	writeSetting(PROFILE_SETTING, profile);
	return profile;
}

function pick<T>(items: readonly T[]): T {
	const [random = 0] = crypto.getRandomValues(new Uint32Array(1));
	return items[random % items.length] as T;
}
