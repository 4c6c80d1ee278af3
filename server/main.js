// `npm run signaling`: PORT (default 4444), HOST (default 127.0.0.1), MAX_CONNECTIONS (default
// 20,000) and MAX_CONNECTIONS_PER_IP (default 64; raise it behind a proxy or for a load test).
import { startSignaling } from './signaling.js';

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
const maxConnections = count('MAX_CONNECTIONS');
const maxConnectionsPerIp = count('MAX_CONNECTIONS_PER_IP');
try {
	const server = await startSignaling({ port, host, maxConnections, maxConnectionsPerIp });
	console.log(`Signaling server at ${server.url} (health: http://${host}:${server.port}/health)`);
	const stop = () => server.close().then(() => process.exit(0));
	process.on('SIGINT', stop);
	process.on('SIGTERM', stop);
} catch (error) {
	console.error(`The signaling server could not start on ${host}:${port}: ${error.message}`);
	process.exit(1);
}
