// Connection caps for the signaling server: at most N connections in all and M per address,
// decided at the HTTP upgrade so a refused peer costs no WebSocket. IPv6 addresses count per /64,
// the block one subscriber usually gets (one address each would let a single home open billions).
import { isIPv4, isIPv6 } from 'node:net';

/**
 * The address a connection counts against: IPv4 as is (IPv4-mapped IPv6 too), IPv6 by /64.
 * Behind a reverse proxy every peer has the proxy's address: raise the per-address cap there and
 * let the proxy limit per client.
 * @param {string | undefined} address
 */
export function addressKey(address) {
	if (!address) return 'unknown';
	const mapped = address.toLowerCase().replace(/^::ffff:/, '');
	if (isIPv4(mapped)) return mapped;
	const bare = mapped.replace(/%.*$/, '');
	if (!isIPv6(bare)) return bare;
	// Only the first four groups matter, and they all come before any '::' or embedded IPv4.
	const [head = '', tail] = bare.split('::');
	const groups = head === '' ? [] : head.split(':');
	while (groups.length < 4 && tail !== undefined) groups.push('0');
	return `${groups
		.slice(0, 4)
		.map((group) => parseInt(group, 16).toString(16))
		.join(':')}::/64`;
}

/**
 * @param {{ maxConnections: number, maxConnectionsPerIp: number }} limits
 */
export function connectionGate({ maxConnections, maxConnectionsPerIp }) {
	/** address key → open connections */
	const perAddress = new Map();
	let total = 0;
	return {
		/**
		 * A ticket for one connection from `address`, or the reason there is none. `release()`
		 * frees the slot and is safe to call twice.
		 * @param {string | undefined} address
		 * @returns {{ ok: true, release: () => void } | { ok: false, reason: 'full' | 'per-ip' }}
		 */
		admit(address) {
			if (total >= maxConnections) return { ok: false, reason: 'full' };
			const key = addressKey(address);
			const count = perAddress.get(key) ?? 0;
			if (count >= maxConnectionsPerIp) return { ok: false, reason: 'per-ip' };
			perAddress.set(key, count + 1);
			total++;
			let released = false;
			const release = () => {
				if (released) return;
				released = true;
				total--;
				const left = (perAddress.get(key) ?? 1) - 1;
				if (left === 0) perAddress.delete(key);
				else perAddress.set(key, left);
			};
			return { ok: true, release };
		},
		get open() {
			return total;
		}
	};
}
