// A relay in a process of its own (the compiled server: npm run server's code), for tests that
// kill it. Argument: JSON { dataDir, port? } (port 0, any, by default: a restart that must be
// found at the same address passes the port it had); redisUrl and serviceSecret make it a node of
// a service on Redis; quotas are the relay's (RelayServerOptions.quotas). Sends { type: 'ready', url } once listening.
import { startRelay } from '../../build-server/relay-server.js';
import { startSignaling } from '../../server/signaling.js';

const { dataDir, port = 0, redisUrl, serviceSecret, quotas } = JSON.parse(process.argv[2] ?? '{}');
const server = await startSignaling({
	port,
	host: '127.0.0.1',
	log: () => {},
	redisUrl,
	relay: await startRelay({
		dataDir,
		redisUrl,
		serviceSecret,
		quotas,
		log: (line) => console.error(line)
	})
});
process.send?.({ type: 'ready', url: server.url });
