// One peer of the network benchmarks, inside a Chromium page: either the app's own sync path
// (content doc → bridge → sealed log → y-webrtc with chunked channels; no IndexedDB), the same
// through a relay instead of WebRTC ('relay': `signaling` is then the relay's address), or raw
// y-webrtc on a plain Y.Doc (no sealing, no chunking) as the baseline. The WebRTC modes use the
// same signaling server and a room password, so the difference is what Commonplace adds.
import { WebrtcProvider } from 'y-webrtc';
import * as Y from 'yjs';
import { fromHex, toB64url } from '../src/lib/crypto/bytes';
import { fromSecret } from '../src/lib/crypto/capability';
import { openSpace } from '../src/lib/session/open-space';
import { MemoryLogStore } from '../src/lib/storage/memory-log-store';
import { Presence } from '../src/lib/sync/presence';
import { RelayTransport } from '../src/lib/sync/relay-transport';
import { WebrtcTransport } from '../src/lib/sync/webrtc-transport';

const now = () => performance.timeOrigin + performance.now();

export interface PeerHandle {
	/** The shared text: what edits go into and arrivals are read from. */
	text: Y.Text;
	connected(): number;
	/** Arrival time of each `|n|` marker seen in remote changes. */
	arrivals: Map<number, number>;
	/** Bytes taken in from peers (sealed mode). */
	bytesReceived(): number;
	/** When the first peer connected, and when the first remote log (or doc) change landed. */
	marks: { connected?: number; firstData?: number; receiving?: number };
	transport?: WebrtcTransport | RelayTransport;
	destroy(): Promise<void>;
}

function watch(text: Y.Text, arrivals: Map<number, number>) {
	text.observe((event) => {
		if (event.transaction.local) return;
		const at = now();
		for (const op of event.changes.delta) {
			if (typeof op.insert !== 'string') continue;
			for (const match of op.insert.matchAll(/\|(\d+)\|/g)) {
				const n = Number(match[1]);
				if (!arrivals.has(n)) arrivals.set(n, at);
			}
		}
	});
}

export type PeerMode = 'sealed' | 'raw' | 'relay';

export async function startPeer(
	mode: PeerMode,
	secretHex: string,
	signaling: string
): Promise<PeerHandle> {
	const cap = fromSecret(fromHex(secretHex) as Uint8Array);
	const arrivals = new Map<number, number>();
	if (mode === 'raw') {
		const doc = new Y.Doc();
		const provider = new WebrtcProvider(`raw-${cap.topic}`, doc, {
			signaling: [signaling],
			password: toB64url(cap.relayKey)
		});
		const text = doc.getText('bench');
		watch(text, arrivals);
		const marks: PeerHandle['marks'] = {};
		const room = () =>
			(provider as unknown as { room: { webrtcConns: Map<string, { connected: boolean }> } | null })
				.room;
		return {
			text,
			arrivals,
			marks,
			bytesReceived: () => 0,
			connected: () => [...(room()?.webrtcConns.values() ?? [])].filter((c) => c.connected).length,
			async destroy() {
				provider.destroy();
				doc.destroy();
			}
		};
	}
	// Wired as the app wires a space (session/open-space.ts), with a store in memory.
	const content = new Y.Doc({ gc: false });
	let presence: Presence | null = null;
	const opened = await openSpace(cap, {
		store: new MemoryLogStore(),
		content,
		transports: ({ log }) => {
			if (mode === 'relay')
				return [new RelayTransport({ log, cap, urls: [signaling], keep: true })];
			presence = new Presence(log, content, cap.readKey);
			return [
				new WebrtcTransport({
					log,
					cap,
					network: { signaling: [signaling], iceServers: [] },
					awareness: presence.sealed
				})
			];
		}
	});
	const { log, bridge } = opened;
	const transport = opened.transports[0] as WebrtcTransport | RelayTransport;
	let peers = 0;
	const marks: PeerHandle['marks'] = {};
	let lastLocal = 0;
	let lastRemoteLog = 0;
	content.on('update', (_u: Uint8Array, origin: unknown) => {
		if (origin !== bridge) lastLocal = now();
		else if (lastRemoteLog) stages.open.push(now() - lastRemoteLog);
	});
	log.on('update', (_update: Uint8Array, origin: unknown) => {
		if (origin !== bridge) {
			marks.firstData ??= now();
			lastRemoteLog = now();
		} else if (lastLocal) stages.seal.push(now() - lastLocal);
	});
	transport.on('status', (status) => {
		peers = status.peers;
		if (peers > 0) marks.connected ??= now();
		if (status.receiving !== null) marks.receiving ??= now();
	});
	const text = content.getText('bench');
	watch(text, arrivals);
	return {
		text,
		arrivals,
		marks,
		transport,
		bytesReceived: () => (transport instanceof WebrtcTransport ? transport.bytesReceived : 0),
		connected: () => peers,
		async destroy() {
			await opened.destroy();
			presence?.destroy();
		}
	};
}

let peer: PeerHandle | null = null;
/** Where the time of the sealed path goes: local change → in the log; remote log entry → in content. */
export const stages = { seal: [] as number[], open: [] as number[] };

export function peerStages() {
	const median = (values: number[]) =>
		[...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
	return { seal: median(stages.seal), open: median(stages.open) };
}

/** The page's one peer (y-webrtc allows one room per page and name). */
export async function peerStart(mode: PeerMode, secretHex: string, signaling: string) {
	peer = await startPeer(mode, secretHex, signaling);
}

export function peerConnected(): number {
	return peer?.connected() ?? 0;
}

/** Relay mode: whether the relay has committed everything this peer holds. */
export function peerKept(): boolean {
	const transport = (peer as PeerHandle | null)?.transport;
	return transport instanceof RelayTransport && transport.status.inSync === 1;
}

/** Types `count` edits, one every `everyMs`, each a marker `|n|`; returns when each was made. */
export async function peerType(first: number, count: number, everyMs: number): Promise<number[]> {
	const sent: number[] = [];
	for (let i = first; i < first + count; i++) {
		const text = (peer as PeerHandle).text;
		sent.push(now());
		text.insert(text.length, `|${i}|`);
		await new Promise((resolve) => setTimeout(resolve, everyMs));
	}
	return sent;
}

export function peerArrivals(): Array<[number, number]> {
	return [...(peer as PeerHandle).arrivals];
}

/** Adds `bytes` of text in 64 KiB steps (so many envelopes, as a real space has). */
export async function peerFill(bytes: number) {
	const text = (peer as PeerHandle).text;
	const line = 'lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(16);
	while (text.length < bytes) {
		text.insert(text.length, line.repeat(64));
		await new Promise((resolve) => setTimeout(resolve, 0));
	}
	return text.length;
}

export function peerMarks() {
	return (peer as PeerHandle).marks;
}

export function peerBytesReceived(): number {
	return (peer as PeerHandle).bytesReceived();
}

export function peerTextLength(): number {
	return (peer as PeerHandle).text.length;
}

export function peerDigest(): string {
	const value = (peer as PeerHandle).text.toString();
	let hash = 0;
	for (let i = 0; i < value.length; i++) hash = (Math.imul(hash, 31) + value.charCodeAt(i)) | 0;
	return `${value.length}:${hash}`;
}
