import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
	preprocess: vitePreprocess(),
	compilerOptions: { runes: true },
	kit: {
		// Every route is prerendered to `<route>/index.html`, so the build works from any static
		// host at its root with no rewrite rules (no SPA fallback needed).
		adapter: adapter({ pages: 'build', assets: 'build', fallback: undefined, strict: true }),
		// Registered by hand through workbox-window so an update waits for the user's consent.
		serviceWorker: { register: false },
		version: { pollInterval: 0 }
	}
};

export default config;
