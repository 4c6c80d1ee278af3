// `npm run server`: signaling, and a relay on /relay of the same port. PORT (default 4444), HOST
// (default 127.0.0.1), DATA_DIR (the relay's LevelDB, default data/relay), DATA_SYNC=1 (fsync
// every write), MAX_CONNECTIONS (default 20,000) and MAX_CONNECTIONS_PER_IP (default 64; raise it
// behind a proxy or for a load test). The relay's quotas: RELAY_MAX_SPACES (default 10,000),
// RELAY_MAX_SPACES_PER_ADDRESS (100), RELAY_MAX_SPACE_MB (256); RELAY_TOKEN makes it private
// (clients add ?token=… to its address). REDIS_URL (redis://127.0.0.1:6379) makes this one node
// of a service of several: signaling topics over Redis pub/sub, and the relay's logs and kept
// spaces in Redis (run it with appendonly yes and appendfsync always); it needs SERVICE_SECRET, one
// secret (32+ characters) given to every node and never to Redis. The relay runs compiled (npm run
// server builds it first).
import { startSignaling } from './signaling.js';
import { keepOnRelay, SERVICE_SECRET_MIN, startRelay } from '../build-server/relay-server.js';

/** A positive whole number from the environment, undefined if unset; anything else stops here. */
function count(name) {
	const value = process.env[name];
	if (value === undefined || value === '') return undefined;
	if (!/^[1-9][0-9]*$/.test(value)) {
		console.error(`${name} must be a whole number above 0 (it is "${value}").`);
		process.exit(1);
	}
	return Number(value);
}

const port = Number(process.env.PORT ?? 4444);
const host = process.env.HOST ?? '127.0.0.1';

// `npm run server -- keep <b1-link> [relay address]`: ask a (running) relay to keep a space.
if (process.argv[2] === 'keep') {
	const [link, relayUrl = `ws://${host}:${port}/relay`] = process.argv.slice(3);
	if (link === undefined) {
		console.error('Usage: npm run server -- keep <relay link (b1)> [relay address]');
		process.exit(2);
	}
	try {
		console.log(await keepOnRelay(link, relayUrl));
		process.exit(0);
	} catch (error) {
		console.error(error.message);
		process.exit(1);
	}
}

const maxConnections = count('MAX_CONNECTIONS');
const maxConnectionsPerIp = count('MAX_CONNECTIONS_PER_IP');
const maxKept = count('RELAY_MAX_SPACES');
const maxKeptPerAddress = count('RELAY_MAX_SPACES_PER_ADDRESS');
const maxSpaceMb = count('RELAY_MAX_SPACE_MB');
const token = process.env.RELAY_TOKEN || undefined;
if (token !== undefined && token.length < 16) {
	console.error('RELAY_TOKEN must be at least 16 characters (it is a password for the relay).');
	process.exit(1);
}
const redisUrl = process.env.REDIS_URL || undefined;
const serviceSecret = process.env.SERVICE_SECRET || undefined;
if (
	redisUrl !== undefined &&
	(serviceSecret === undefined || serviceSecret.length < SERVICE_SECRET_MIN)
) {
	console.error(
		`REDIS_URL needs SERVICE_SECRET: the same secret of ${SERVICE_SECRET_MIN} or more characters on every node (for example \`openssl rand -hex 32\`). The nodes count what each address asks of the relay together, under hashes keyed with it, and seal the kept spaces with it; Redis never sees it.`
	);
	process.exit(1);
}
try {
	const dataDir = process.env.DATA_DIR ?? 'data/relay';
	const relay = await startRelay({
		dataDir,
		sync: process.env.DATA_SYNC === '1',
		redisUrl,
		serviceSecret,
		token,
		quotas: {
			...(maxKept === undefined ? {} : { maxKept }),
			...(maxKeptPerAddress === undefined ? {} : { maxKeptPerAddress }),
			...(maxSpaceMb === undefined ? {} : { maxRoomBytes: maxSpaceMb * 1024 * 1024 })
		}
	});
	const server = await startSignaling({
		port,
		host,
		maxConnections,
		maxConnectionsPerIp,
		relay,
		redisUrl
	});
	console.log(
		`Signaling at ${server.url}, relay at ${server.url}/relay${token ? ' (private: ?token=…)' : ''}, ${redisUrl ? 'data and topics shared over Redis' : `data in ${dataDir}`} (health: http://${host}:${server.port}/health)`
	);
	const stop = () => server.close().then(() => process.exit(0));
	process.on('SIGINT', stop);
	process.on('SIGTERM', stop);
} catch (error) {
	console.error(`The signaling server could not start on ${host}:${port}: ${error.message}`);
	process.exit(1);
}
