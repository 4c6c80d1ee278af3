// A relay in a process of its own (the compiled server: npm run server's code), for tests that
// kill it. Argument: JSON { dataDir, port? } (port 0, any, by default: a restart that must be
// found at the same address passes the port it had). Sends { type: 'ready', url } once listening.
import { startRelay } from '../../build-server/relay-server.js';
import { startSignaling } from '../../server/signaling.js';

const { dataDir, port = 0, redisUrl } = JSON.parse(process.argv[2] ?? '{}');
const server = await startSignaling({
	port,
	host: '127.0.0.1',
	log: () => {},
	redisUrl,
	relay: await startRelay({ dataDir, redisUrl, log: (line) => console.error(line) })
});
process.send?.({ type: 'ready', url: server.url });
