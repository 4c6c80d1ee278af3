import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vitest/config';

export default defineConfig({
	plugins: [sveltekit()],
	server: { host: '127.0.0.1', port: 5173 },
	build: { target: 'es2022' },
	test: {
		include: ['tests/unit/**/*.test.ts', 'server/**/*.test.ts'],
		environment: 'node',
		// y-webrtc keeps its rooms in module state; the WebRTC transport's contract loads a copy
		// per replica (vi.resetModules), which needs it inlined rather than taken from Node's cache.
		server: { deps: { inline: ['y-webrtc'] } },
		testTimeout: 20_000
	}
});
