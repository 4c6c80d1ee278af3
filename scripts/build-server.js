// Compiles the relay (server/relay-server.ts and what it imports of the app's own TypeScript:
// the log guard, the peer checks, the relay wire) for Node into build-server/, so the server
// runs the same code the app does. Packages stay external (Node resolves them at run time).
import { build } from 'vite';

export async function buildServer() {
	await build({
		configFile: false,
		logLevel: 'warn',
		build: {
			ssr: 'server/relay-server.ts',
			outDir: 'build-server',
			emptyOutDir: true,
			target: 'node20',
			rollupOptions: { output: { entryFileNames: 'relay-server.js' } }
		}
	});
}

if (import.meta.url === `file://${process.argv[1]}`) await buildServer();
