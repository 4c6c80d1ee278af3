// Review finding: the signaling server's rate limit counts messages, not bytes or work. Every
// frame up to maxPayload (256 KiB) is depth-scanned and fully JSON.parsed before anything looks
// at its size: a publish over the 64 KiB data cap is dropped only after parsing, and a 256 KiB
// ping is parsed and answered. A 256 KiB frame of `{}`s costs ~10 ms to parse, so one
// connection at its allowed steady rate (50/s) keeps about half a core busy, two saturate the
// server's only thread, and the 64 connections one address may open ask for ~30 cores: every
// room on the server stalls (and the per-IP cap is per /64 on IPv6, so a /56 home prefix has
// 256 times that). Fails today: the burst one connection is allowed takes the server seconds.
import { afterEach, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import { open, signalingProcess, type SignalingProcess } from '../tests/adversary/signaling';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
	for (const step of cleanup.splice(0).reverse()) await step();
});

/** A publish frame just under maxPayload whose data is as slow to parse as JSON gets. */
function heavyFrame(): string {
	const room = 256 * 1024 - 64;
	return `{"type":"publish","topic":"nobody","data":[${'{},'.repeat(Math.floor(room / 3) - 1)}{}]}`;
}

const send = (ws: WebSocket, frame: string) =>
	new Promise<void>((resolve, reject) => ws.send(frame, (e) => (e ? reject(e) : resolve())));

describe('review: signaling CPU per message', () => {
	it("one connection's allowed burst (200 messages) costs the server well under a second", async () => {
		const server: SignalingProcess = await signalingProcess();
		cleanup.push(() => server.stop());
		const attacker = await open(server.url);
		cleanup.push(() => attacker.terminate());
		const frame = heavyFrame();
		const burst = 200;
		const started = Date.now();
		await Promise.all(Array.from({ length: burst }, () => send(attacker, frame)));
		const sentMs = Date.now() - started;
		const report = await server.until((r) => r.stats.oversizeData >= burst, 60_000);
		const drainedMs = Date.now() - started;
		// Every one was parsed in full and then dropped as oversize; none was rate limited.
		expect(report.stats.oversizeData).toBe(burst);
		expect(report.stats.rateLimited).toBe(0);
		expect(
			drainedMs,
			`${burst} frames (sent in ${sentMs} ms) took the server ${drainedMs} ms: ~${(drainedMs / burst).toFixed(1)} ms each, ` +
				`so 50/s per connection is ~${Math.round((drainedMs / burst) * 50)} ms of CPU per second`
		).toBeLessThan(1_000);
	}, 90_000);
});
