// A relay in a process of its own (the compiled server: npm run server's code), for tests that
// kill it. Argument: JSON { dataDir }. Sends { type: 'ready', url } once listening.
import { startRelay } from '../../build-server/relay-server.js';
import { startSignaling } from '../../server/signaling.js';

const { dataDir } = JSON.parse(process.argv[2] ?? '{}');
const server = await startSignaling({
	port: 0,
	host: '127.0.0.1',
	log: () => {},
	relay: await startRelay({ dataDir, log: (line) => console.error(line) })
});
process.send?.({ type: 'ready', url: server.url });
