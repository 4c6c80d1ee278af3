// The signaling server in a process of its own, for tests that measure its memory or must see
// every uncaught exception. Options as JSON in argv[2]; it answers `report` requests over IPC.
import { startSignaling } from '../../server/signaling.js';

let uncaught = 0;
// Counted, not fatal: a test asserts there were none, and wants the server alive to say so.
process.on('uncaughtException', (error) => {
	uncaught++;
	console.error(`signaling child: uncaught ${error?.name}: ${error?.message?.slice(0, 200)}`);
});
process.on('unhandledRejection', (error) => {
	uncaught++;
	console.error(`signaling child: unhandled rejection ${error?.name}`);
});

// The peak matters more than the last value: sample often, in the server's own process.
let peakRss = process.memoryUsage.rss();
const sampler = setInterval(() => {
	peakRss = Math.max(peakRss, process.memoryUsage.rss());
}, 20);

const server = await startSignaling({ ...JSON.parse(process.argv[2] ?? '{}'), log: () => {} });
process.send?.({ type: 'ready', url: server.url, port: server.port });

process.on('message', (message) => {
	if (message?.type === 'gc') globalThis.gc?.();
	if (message?.type === 'reset-peak') peakRss = process.memoryUsage.rss();
	if (message?.type === 'gc' || message?.type === 'reset-peak' || message?.type === 'report') {
		process.send?.({
			type: 'report',
			id: message.id,
			stats: server.stats(),
			memory: { ...process.memoryUsage(), peakRss },
			uncaught
		});
	}
});
process.on('disconnect', () => {
	clearInterval(sampler);
	void server.close().then(() => process.exit(0));
});
