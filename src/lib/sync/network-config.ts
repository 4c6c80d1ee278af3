// Where peers find each other: signaling servers (WebSocket URLs) and ICE servers (STUN/TURN).
// Pure: parsing and checking only. Defaults are baked in at build time (`VITE_SIGNALING`, a
// comma-separated list; `VITE_ICE_SERVERS`, JSON); a local build talks to the project's own
// signaling server on 127.0.0.1.

export interface IceServer {
	urls: string;
	username?: string;
	credential?: string;
}

export interface NetworkConfig {
	signaling: string[];
	iceServers: IceServer[];
	/**
	 * Relays (`wss://host/relay`) that keep spaces while their people are offline. Absent in
	 * settings saved before relays existed: the build's defaults apply then.
	 */
	relays?: string[];
}

export const LOCAL_SIGNALING = 'ws://127.0.0.1:4444';
const MAX_SERVERS = 8;

export type Checked<T> = { ok: true; value: T } | { ok: false; error: string };

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

export function checkSignalingUrl(text: string): Checked<string> {
	const trimmed = text.trim();
	let url: URL;
	try {
		url = new URL(trimmed);
	} catch {
		// reason: URL throws on anything unparsable; that is the answer.
		return { ok: false, error: `“${trimmed}” is not a URL. Use ws://host:port or wss://host.` };
	}
	if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
		return { ok: false, error: `“${trimmed}” must start with wss:// (or ws:// on this machine).` };
	}
	if (url.hash !== '' || url.username !== '' || url.password !== '') {
		return { ok: false, error: `“${trimmed}” must not carry a #fragment or a password.` };
	}
	if (url.protocol === 'ws:' && !LOOPBACK.has(url.hostname)) {
		return {
			ok: false,
			error: `“${trimmed}” is unencrypted. Use wss:// for a server that is not on this machine.`
		};
	}
	return { ok: true, value: trimmed };
}

export function checkIceServer(server: IceServer): Checked<IceServer> {
	const urls = server.urls.trim();
	const scheme = /^(stuns?|turns?):/i.exec(urls)?.[1]?.toLowerCase();
	if (scheme === undefined || urls.length < scheme.length + 2) {
		return { ok: false, error: `“${urls}” must start with stun:, turn: or turns:.` };
	}
	if (scheme.startsWith('turn')) {
		const username = server.username?.trim() ?? '';
		const credential = server.credential ?? '';
		if (username === '' || credential === '') {
			return { ok: false, error: `The TURN server “${urls}” needs a username and a password.` };
		}
		return { ok: true, value: { urls, username, credential } };
	}
	return { ok: true, value: { urls } };
}

/** WebSocket addresses (signaling servers, relays) checked, blanks and repeats left out. */
function checkedUrls(texts: readonly string[], errors: string[]): string[] {
	const urls: string[] = [];
	for (const text of texts) {
		if (text.trim() === '') continue;
		const checked = checkSignalingUrl(text);
		if (!checked.ok) errors.push(checked.error);
		else if (!urls.includes(checked.value)) urls.push(checked.value);
	}
	return urls;
}

/** Checks a whole configuration; lists every problem rather than the first. */
export function checkConfig(config: NetworkConfig): Checked<NetworkConfig> {
	const errors: string[] = [];
	const signaling = checkedUrls(config.signaling, errors);
	const iceServers: IceServer[] = [];
	for (const server of config.iceServers) {
		if (server.urls.trim() === '') continue;
		const checked = checkIceServer(server);
		if (checked.ok) iceServers.push(checked.value);
		else errors.push(checked.error);
	}
	if (signaling.length === 0 && errors.length === 0) {
		errors.push('Add at least one signaling server, or peers cannot find each other.');
	}
	const relays = checkedUrls(config.relays ?? [], errors);
	if (
		signaling.length > MAX_SERVERS ||
		iceServers.length > MAX_SERVERS ||
		relays.length > MAX_SERVERS
	) {
		errors.push(`At most ${MAX_SERVERS} servers of each kind.`);
	}
	return errors.length > 0
		? { ok: false, error: errors.join(' ') }
		: {
				ok: true,
				value: { signaling, iceServers, ...(config.relays === undefined ? {} : { relays }) }
			};
}

/** Reads a stored or baked-in configuration; anything unusable gives null. */
export function parseConfig(value: unknown): NetworkConfig | null {
	if (typeof value !== 'object' || value === null) return null;
	const record = value as Record<string, unknown>;
	if (!Array.isArray(record.signaling) || !Array.isArray(record.iceServers)) return null;
	const signaling = record.signaling.filter((url): url is string => typeof url === 'string');
	const iceServers = record.iceServers.flatMap((server: unknown): IceServer[] => {
		if (typeof server !== 'object' || server === null) return [];
		const { urls, username, credential } = server as Record<string, unknown>;
		if (typeof urls !== 'string') return [];
		return [
			{
				urls,
				...(typeof username === 'string' ? { username } : {}),
				...(typeof credential === 'string' ? { credential } : {})
			}
		];
	});
	const relays = Array.isArray(record.relays)
		? record.relays.filter((url): url is string => typeof url === 'string')
		: undefined;
	const checked = checkConfig({
		signaling,
		iceServers,
		...(relays === undefined ? {} : { relays })
	});
	return checked.ok ? checked.value : null;
}

/** The build's defaults: `VITE_SIGNALING` / `VITE_ICE_SERVERS`, else the local server. */
export function buildDefaults(env: {
	VITE_SIGNALING?: string;
	VITE_ICE_SERVERS?: string;
	VITE_RELAYS?: string;
}): NetworkConfig {
	const relays = (env.VITE_RELAYS ?? '')
		.split(',')
		.map((url) => url.trim())
		.filter((url) => url !== '');
	const signaling = (env.VITE_SIGNALING ?? '')
		.split(',')
		.map((url) => url.trim())
		.filter((url) => url !== '');
	let iceServers: unknown = [];
	try {
		iceServers = JSON.parse(env.VITE_ICE_SERVERS ?? '[]');
	} catch {
		// reason: a broken build setting falls back to no ICE servers (host candidates only).
		console.warn('VITE_ICE_SERVERS is not JSON; using none');
	}
	return (
		parseConfig({
			signaling: signaling.length > 0 ? signaling : [LOCAL_SIGNALING],
			iceServers,
			relays
		}) ?? {
			signaling: [LOCAL_SIGNALING],
			iceServers: [],
			relays: []
		}
	);
}
