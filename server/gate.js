// Connection caps for the signaling server, decided at the HTTP upgrade (503 when full, 429 per
// address) so a refused peer costs no WebSocket. IPv6 counts per /64, the block one home gets.
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

/** What a refused upgrade is told: 503 when the server is full, 429 when the address is. */
const REFUSED = {
	full: { status: 503, text: 'Service Unavailable', body: 'This signaling server is full.\n' },
	'per-ip': {
		status: 429,
		text: 'Too Many Requests',
		body: 'Too many connections from your address.\n'
	}
};

/**
 * Answers a refused upgrade with a plain HTTP status and closes the socket.
 * @param {import('node:stream').Duplex} socket
 * @param {'full' | 'per-ip'} reason
 */
export function refuse(socket, reason) {
	const { status, text, body } = REFUSED[reason];
	socket.once('finish', () => socket.destroy());
	socket.end(
		`HTTP/1.1 ${status} ${text}\r\n` +
			'Connection: close\r\n' +
			'Retry-After: 10\r\n' +
			'Content-Type: text/plain; charset=utf-8\r\n' +
			`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
	);
}
