// This device's own settings, in localStorage (small, read synchronously at start): how to
// reach peers, how this person appears to them, and a device secret. Never synced, never in a
// link. Values are stored and read as they are; what they mean is checked above this room
// (session/device-settings), so storage knows nothing of the network.

/** localStorage keys; a `storage` event with one of them means another tab changed it. */
export const NETWORK_SETTING = 'cp-network';
export const PROFILE_SETTING = 'cp-profile';
/** Spaces this device does not keep on relays (ids), by the person's choice. */
export const RELAYS_OFF_SETTING = 'cp-relays-off';
const DEVICE_KEY = 'cp-device';

export type SettingFailure = 'unavailable';

/** A stored setting as JSON, or null when not set, unreadable or storage is disabled. */
export function readSetting(key: string): unknown {
	try {
		const text = globalThis.localStorage?.getItem(key);
		return text == null ? null : (JSON.parse(text) as unknown);
	} catch {
		// reason: unreadable or disabled storage means "not set"; defaults apply.
		return null;
	}
}

/** Stores a setting; false when storage is full or disabled (nothing else changes). */
export function writeSetting(key: string, value: unknown): boolean {
	try {
		if (value === null) globalThis.localStorage?.removeItem(key);
		else globalThis.localStorage?.setItem(key, JSON.stringify(value));
		return true;
	} catch (error) {
		console.warn('A setting could not be saved', error);
		return false;
	}
}

/**
 * A random secret of this browser profile, never sent anywhere: presence carries only a tag
 * derived from it (crypto/presence.deviceTag), so tabs recognise each other.
 */
export function loadDeviceSecret(): Uint8Array {
	const stored = readSetting(DEVICE_KEY);
	if (typeof stored === 'string' && /^[0-9a-f]{32}$/.test(stored)) {
		return Uint8Array.from(stored.match(/../g) as string[], (pair) => parseInt(pair, 16));
	}
	const secret = crypto.getRandomValues(new Uint8Array(16));
	// Without storage each tab gets its own secret and shows the others as people.
	writeSetting(DEVICE_KEY, Array.from(secret, (b) => b.toString(16).padStart(2, '0')).join(''));
	return secret;
}
