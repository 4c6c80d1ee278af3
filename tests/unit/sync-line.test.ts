// The sync line's state from what the transports report (session/space-network.ts syncStatus),
// and what the browser says of the network.
import { describe, expect, it } from 'vitest';
import { syncStatus } from '../../src/lib/session/space-network';
import { idleStatus, type TransportStatus } from '../../src/lib/sync/log-transport';

const webrtc = (peers: number, inSync: number, up = 1): TransportStatus => ({
	...idleStatus('webrtc'),
	connected: up > 0 || peers > 0,
	peers,
	inSync,
	servers: { up, total: 1 }
});
const relay = (peers: number, inSync: number) => ({
	...idleStatus('relay'),
	connected: peers > 0,
	peers,
	inSync,
	total: 1
});
const tabs = idleStatus('tabs');
const state = (...args: Parameters<typeof syncStatus>) => syncStatus(...args).state;

describe('the sync line', () => {
	it('follows what peers and relays hold', () => {
		expect(state(webrtc(2, 2), tabs, false, true, relay(1, 1))).toBe('synced');
		expect(state(webrtc(2, 1), tabs, false, true, relay(1, 1))).toBe('syncing');
		expect(state(webrtc(0, 0), tabs, false, true, relay(1, 0))).toBe('syncing');
		expect(state(webrtc(0, 0), tabs, false, true, relay(1, 1))).toBe('synced');
		expect(state(webrtc(0, 0), tabs, false, true, relay(0, 0))).toBe('alone');
		expect(state(webrtc(0, 0, 0), tabs, false, true, relay(0, 0))).toBe('connecting');
	});

	it('says offline when the browser says so, whatever a transport has not noticed yet', () => {
		// A relay's socket (or a peer's channel) can seem open for seconds after the network went.
		expect(state(webrtc(0, 0), tabs, false, false, relay(1, 0))).toBe('offline');
		expect(state(webrtc(1, 1), tabs, false, false, relay(1, 1))).toBe('offline');
		expect(state(webrtc(0, 0, 0), tabs, false, false)).toBe('offline');
		// Paused is offline too, and counts nobody.
		const paused = syncStatus(webrtc(2, 2), tabs, true, true, relay(1, 1));
		expect(paused.state).toBe('offline');
		expect(paused.peers).toBe(0);
	});
});
