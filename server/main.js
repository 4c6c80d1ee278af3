// `npm run signaling`: PORT (default 4444) and HOST (default 127.0.0.1).
import { startSignaling } from './signaling.js';

const port = Number(process.env.PORT ?? 4444);
const host = process.env.HOST ?? '127.0.0.1';
try {
	const server = await startSignaling({ port, host });
	console.log(`Signaling server at ${server.url} (health: http://${host}:${server.port}/health)`);
	const stop = () => server.close().then(() => process.exit(0));
	process.on('SIGINT', stop);
	process.on('SIGTERM', stop);
} catch (error) {
	console.error(`The signaling server could not start on ${host}:${port}: ${error.message}`);
	process.exit(1);
}
