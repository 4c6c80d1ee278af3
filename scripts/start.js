// `npm start`: install what is missing, build, start the server — signaling, and a relay on
// /relay of the same port keeping its data in DATA_DIR (default data/relay) — on
// ws://127.0.0.1:4444 (SIGNAL_PORT overrides) and serve the app on http://127.0.0.1:5173
// (PORT overrides).
import { ensureDependencies, must } from './setup.js';

ensureDependencies();
const signalPort = Number(process.env.SIGNAL_PORT ?? 4444);
// The app's default signaling server is baked in at build time; point it at ours.
process.env.VITE_SIGNALING ??= `ws://127.0.0.1:${signalPort}`;
// And its relay: spaces made here are kept on it by default.
process.env.VITE_RELAYS ??= `ws://127.0.0.1:${signalPort}/relay`;
console.log('Building…');
must('npx', ['vite', 'build', '--logLevel', 'warn'], 'The build');
const { buildServer } = await import('./build-server.js');
await buildServer();
const { startSignaling } = await import('../server/signaling.js');
const { startRelay } = await import('../build-server/relay-server.js');
try {
	const dataDir = process.env.DATA_DIR ?? 'data/relay';
	const signaling = await startSignaling({
		port: signalPort,
		host: process.env.HOST ?? '127.0.0.1',
		relay: await startRelay({ dataDir })
	});
	console.log(
		`Signaling server at ${signaling.url}, relay at ${signaling.url}/relay (data in ${dataDir})`
	);
} catch (error) {
	console.error(
		`The signaling server could not start on port ${signalPort}: ${error.message}. Set SIGNAL_PORT to use another port.`
	);
}
const { serve } = await import('./serve.js');
const port = Number(process.env.PORT ?? 5173);
try {
	await serve({ root: 'build', port, host: process.env.HOST ?? '127.0.0.1' });
} catch (error) {
	console.error(`Could not serve on port ${port}: ${error.message}. Set PORT to use another port.`);
	process.exit(1);
}
