// Tests the servers in the network settings from this browser: a signaling server is reachable
// when it answers a y-webrtc `ping` with `pong`; a relay when its first frame is the challenge
// every relay sends on connecting; a STUN/TURN server works when WebRTC gathers a
// server-reflexive (STUN) or relayed (TURN) address through it.
import type { IceServer } from './network-config';
import { decodeFrame, FRAME } from './relay-wire';

export type Probe = { ok: true; ms: number } | { ok: false; error: string };

type Finish = (result: Probe) => void;

/**
 * Opens a WebSocket to `url` and lets `talk` set its open and message handlers and decide;
 * no answer within `timeoutMs`, an error or a close decide otherwise. Whatever decides, the
 * timers `talk` returns are cleared and the socket closed.
 */
function probeSocket(
	url: string,
	timeoutMs: number,
	talk: (socket: WebSocket, finish: Finish, reachable: () => Probe) => Array<() => void> | void
): Promise<Probe> {
	const started = performance.now();
	return new Promise((resolve) => {
		let socket: WebSocket;
		let cleanups: Array<() => void> = [];
		const finish: Finish = (result) => {
			clearTimeout(timer);
			for (const cleanup of cleanups) cleanup();
			socket.onopen = socket.onmessage = socket.onerror = socket.onclose = null;
			socket.close();
			resolve(result);
		};
		const timer = setTimeout(
			() => finish({ ok: false, error: `no answer within ${timeoutMs / 1000} s` }),
			timeoutMs
		);
		try {
			socket = new WebSocket(url);
		} catch (error) {
			clearTimeout(timer);
			resolve({ ok: false, error: error instanceof Error ? error.message : String(error) });
			return;
		}
		cleanups =
			talk(socket, finish, () => ({ ok: true, ms: Math.round(performance.now() - started) })) ?? [];
		socket.onerror = () => finish({ ok: false, error: 'could not connect' });
		socket.onclose = () => finish({ ok: false, error: 'closed the connection' });
	});
}

export function probeSignaling(url: string, timeoutMs = 4_000): Promise<Probe> {
	return probeSocket(url, timeoutMs, (socket, finish, reachable) => {
		socket.onopen = () => socket.send(JSON.stringify({ type: 'ping' }));
		socket.onmessage = (event: MessageEvent<unknown>) => {
			try {
				const message = JSON.parse(String(event.data)) as { type?: unknown };
				if (message.type === 'pong') finish(reachable());
			} catch {
				// reason: not JSON, so not a y-webrtc signaling server; wait for the timeout.
				finish({ ok: false, error: 'answers, but not as a signaling server' });
			}
		};
	});
}

export function probeRelay(url: string, timeoutMs = 4_000): Promise<Probe> {
	return probeSocket(url, timeoutMs, (socket, finish, reachable) => {
		let asked: ReturnType<typeof setTimeout> | undefined;
		socket.binaryType = 'arraybuffer';
		// A relay speaks first. Silence: perhaps a signaling server, which answers a ping.
		socket.onopen = () => {
			asked = setTimeout(() => socket.send(JSON.stringify({ type: 'ping' })), 500);
		};
		socket.onmessage = (event: MessageEvent<unknown>) => {
			if (typeof event.data === 'string') {
				finish({
					ok: false,
					error: event.data.includes('pong')
						? 'a signaling server, not a relay (a relay’s address ends in /relay)'
						: 'answers, but not as a relay'
				});
				return;
			}
			const frame =
				event.data instanceof ArrayBuffer ? decodeFrame(new Uint8Array(event.data)) : null;
			if (frame?.type === FRAME.challenge) {
				finish(reachable());
			} else if (frame?.type === FRAME.refused && frame.code === 'token') {
				finish({
					ok: false,
					error: 'a private relay: add ?token=… (from its operator) to its address'
				});
			} else {
				finish({ ok: false, error: 'answers, but not as a relay' });
			}
		};
		return [() => clearTimeout(asked)];
	});
}

export async function probeIce(server: IceServer, timeoutMs = 5_000): Promise<Probe> {
	if (typeof RTCPeerConnection === 'undefined') return { ok: false, error: 'no WebRTC here' };
	const started = performance.now();
	const wanted = server.urls.startsWith('turn') ? 'relay' : 'srflx';
	const pc = new RTCPeerConnection({ iceServers: [server], iceTransportPolicy: 'all' });
	try {
		const found = new Promise<boolean>((resolve) => {
			const timer = setTimeout(() => resolve(false), timeoutMs);
			pc.onicecandidate = (event) => {
				if (event.candidate?.type === wanted) {
					clearTimeout(timer);
					resolve(true);
				} else if (event.candidate === null) {
					clearTimeout(timer);
					resolve(false);
				}
			};
		});
		pc.createDataChannel('probe');
		await pc.setLocalDescription(await pc.createOffer());
		return (await found)
			? { ok: true, ms: Math.round(performance.now() - started) }
			: {
					ok: false,
					error:
						wanted === 'relay'
							? 'no relayed address came back (down, blocked, or a wrong login)'
							: 'no outside address came back (down, blocked, or this device is not behind a router)'
				};
	} catch (error) {
		return { ok: false, error: error instanceof Error ? error.message : String(error) };
	} finally {
		pc.close();
	}
}
