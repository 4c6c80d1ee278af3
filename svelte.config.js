import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

// app.html's own inline script (it starts opening the keyring before any module loads) is
// allowed by its hash, computed here from the file itself so the two cannot drift apart.
const appHtml = readFileSync(new URL('./src/app.html', import.meta.url), 'utf8');
/** @param {string} text @returns {`sha256-${string}`} */
const sha256 = (text) => `sha256-${createHash('sha256').update(text).digest('base64')}`;
const appHtmlScripts = [...appHtml.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((match) =>
	sha256(match[1] ?? '')
);

// Kit's root component draws its route announcer (for screen readers) with a fixed inline style
// attribute. It is allowed by the hash of that exact value, read from Kit's own source so an
// upgrade cannot leave it behind; no other inline style attribute is.
const kitRoot = readFileSync(
	new URL('../core/sync/write_root.js', import.meta.resolve('@sveltejs/kit')),
	'utf8'
);
const announcerStyle = /id="svelte-announcer"[^>]*\sstyle="([^"]+)"/.exec(kitRoot)?.[1];
if (!announcerStyle)
	throw new Error("Kit's route announcer changed: update the CSP in svelte.config.js");

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
		version: { pollInterval: 0 },
		// A meta CSP in every prerendered page (a static host needs no header for it): scripts only
		// from this origin or with a known hash (Kit hashes its own inline script), so an injected
		// script cannot run and read the keys in IndexedDB. frame-ancestors cannot be set in a
		// meta tag: scripts/serve.js sends it as a header, and README § Deploying asks hosts to.
		csp: {
			mode: 'hash',
			directives: {
				'default-src': ['self'],
				'script-src': ['self', ...appHtmlScripts],
				// Stylesheets only from this origin: no <style> element and no style attribute in
				// markup (Svelte's `style:` and ProseMirror's decorations go through the CSSOM, which
				// a CSP does not govern), so injected markup cannot restyle the app.
				'style-src': ['self'],
				'style-src-attr': ['unsafe-hashes', sha256(announcerStyle)],
				// Signaling servers (and relays) are set at run time: any wss:// host, and ws:// only
				// on this machine, as Settings allows (ws://[::1] cannot be written in a CSP).
				'connect-src': ['self', 'wss:', 'ws://127.0.0.1:*', 'ws://localhost:*'],
				'img-src': ['self', 'data:', 'blob:'],
				'object-src': ['none'],
				'base-uri': ['self'],
				'form-action': ['self'],
				'worker-src': ['self'],
				'manifest-src': ['self'],
				'frame-src': ['none']
			}
		}
	}
};

export default config;
