// A way a space's log leaves and enters this device: WebRTC peers, other tabs of this browser,
// an in-memory network for tests — and soon relays. One interface, one file per
// implementation, one contract suite every implementation runs (tests/contracts/log-transport.ts).
// A transport carries the log doc (ciphertext only) and, where it can, sealed presence; it says
// what it knows of each peer it is connected to, so the sync line is derived from facts rather
// than from a library's private flags.
import type { ObservableV2 } from 'lib0/observable';

export interface TransportStatus {
	/** Which transport this is ('webrtc', 'tabs', 'memory', 'relay'). */
	kind: string;
	/** It reaches its network (a signaling server answers, a channel is open). */
	connected: boolean;
	/** Peers (or tabs) connected now. */
	peers: number;
	/** Of those, how many hold exactly what this device holds, both ways. */
	inSync: number;
	/** A big message on its way in (a first sync): bytes so far and in all. */
	receiving: { received: number; total: number } | null;
	/** Messages refused as malformed, forged or over a cap since opening. */
	dropped: number;
	/** Signaling servers answering, of how many (WebRTC only). */
	servers?: { up: number; total: number };
}

export type TransportEvents = {
	/** Something in the status changed. */
	status: (status: TransportStatus) => void;
};

export interface LogTransport extends Pick<ObservableV2<TransportEvents>, 'on' | 'off' | 'once'> {
	readonly kind: string;
	readonly status: TransportStatus;
	/** Disconnects and releases everything; resolves once gone. Safe to call twice. */
	destroy(): Promise<void>;
}

/** A transport that is not reaching anything (yet, or any more). */
export function idleStatus(kind: string): TransportStatus {
	return { kind, connected: false, peers: 0, inSync: 0, receiving: null, dropped: 0 };
}

export function sameStatus(a: TransportStatus, b: TransportStatus): boolean {
	return JSON.stringify(a) === JSON.stringify(b);
}
