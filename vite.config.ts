import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vitest/config';

export default defineConfig({
	plugins: [sveltekit()],
	server: { host: '127.0.0.1', port: 5173 },
	build: { target: 'es2022' },
	test: {
		include: ['tests/unit/**/*.test.ts', 'server/**/*.test.ts'],
		environment: 'node',
		testTimeout: 20_000
	}
});
