// This device's own settings, in localStorage (small, read synchronously at start): how to
// reach peers, and how this person appears to them. Never synced, never in a link.
import { fromHex, toHex } from '../crypto/bytes';
import { buildDefaults, parseConfig, type NetworkConfig } from '../sync/network-config';

/** localStorage keys; a `storage` event with one of them means another tab changed it. */
export const NETWORK_SETTING = 'cp-network';
export const PROFILE_SETTING = 'cp-profile';
const DEVICE_KEY = 'cp-device';

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

export const networkDefaults: NetworkConfig = buildDefaults(import.meta.env);

function read(key: string): unknown {
	try {
		const text = globalThis.localStorage?.getItem(key);
		return text == null ? null : (JSON.parse(text) as unknown);
	} catch {
		// reason: unreadable or disabled storage means "not set"; defaults apply.
		return null;
	}
}

function write(key: string, value: unknown): void {
	try {
		globalThis.localStorage?.setItem(key, JSON.stringify(value));
	} catch (error) {
		throw new Error('Could not save the setting: this browser’s storage is full or disabled.', {
			cause: error
		});
	}
}

export function loadNetwork(): NetworkConfig {
	return parseConfig(read(NETWORK_SETTING)) ?? networkDefaults;
}

/** Saves a configuration that `checkConfig` accepted; null restores the build's defaults. */
export function saveNetwork(config: NetworkConfig | null): void {
	if (config === null) globalThis.localStorage?.removeItem(NETWORK_SETTING);
	else write(NETWORK_SETTING, config);
}

function pick<T>(items: readonly T[]): T {
	const [random = 0] = crypto.getRandomValues(new Uint32Array(1));
	return items[random % items.length] as T;
}

export function loadProfile(): Profile {
	const stored = read(PROFILE_SETTING) as Partial<Profile> | null;
	if (
		stored !== null &&
		typeof stored.name === 'string' &&
		stored.name.trim() !== '' &&
		typeof stored.color === 'string' &&
		/^#[0-9a-f]{6}$/i.test(stored.color)
	) {
		return {
			name: stored.name.trim().slice(0, 40),
			color: stored.color,
			chosen: stored.chosen === true
		};
	}
	const profile = { name: `Guest ${pick(ANIMALS)}`, color: pick(PALETTE), chosen: false };
	try {
		write(PROFILE_SETTING, profile);
	} catch (error) {
		// reason: without storage the guest name just changes next time; nothing is lost.
		console.warn(error);
	}
	return profile;
}

export function saveProfile(profile: Profile): void {
	write(PROFILE_SETTING, { ...profile, name: profile.name.trim().slice(0, 40) });
}

/**
 * A random secret of this browser profile, never sent anywhere: presence carries only a tag
 * derived from it per space (crypto/presence.deviceTag), so tabs recognise each other.
 */
export function loadDeviceSecret(): Uint8Array {
	const stored = read(DEVICE_KEY);
	const known = typeof stored === 'string' ? fromHex(stored) : null;
	if (known !== null && known.length === 16) return known;
	const secret = crypto.getRandomValues(new Uint8Array(16));
	try {
		write(DEVICE_KEY, toHex(secret));
	} catch (error) {
		// reason: without storage each tab gets its own secret and shows the others as people.
		console.warn(error);
	}
	return secret;
}
