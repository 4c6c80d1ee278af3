import { sveltekit } from '@sveltejs/kit/vite';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
	plugins: [sveltekit()],
	server: { host: '127.0.0.1', port: 5173 },
	build: { target: 'es2022' },
	resolve: {
		alias: {
			// y-webrtc's WebRTC peers come from our simple-peer-lite.ts, not simple-peer's prebuilt
			// bundle (Buffer, streams and debug, ~27 KB gzipped): see that file.
			'simple-peer/simplepeer.min.js': fileURLToPath(
				new URL('./src/lib/sync/simple-peer-lite.ts', import.meta.url)
			)
		}
	},
	test: {
		include: ['tests/unit/**/*.test.ts', 'server/**/*.test.ts'],
		environment: 'node',
		// y-webrtc keeps its rooms in module state; the WebRTC transport's contract loads a copy
		// per replica (vi.resetModules), which needs it inlined rather than taken from Node's cache.
		server: { deps: { inline: ['y-webrtc'] } },
		testTimeout: 20_000
	}
});
