/// <reference types="@sveltejs/kit" />
/// <reference no-default-lib="true"/>
/// <reference lib="esnext" />
/// <reference lib="webworker" />
// Precaches the whole build with Workbox so the app opens and works with no network. A new
// version installs in the background and waits for the page to say "skip waiting".
import { build, files, prerendered, version } from '$service-worker';
import {
	cleanupOutdatedCaches,
	createHandlerBoundToURL,
	precacheAndRoute
} from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';

declare const self: ServiceWorkerGlobalScope;

const entries = [...build, ...files, ...prerendered].map((url) => ({
	url,
	// Hashed build files never change under the same name; the rest is versioned by the build.
	revision: url.includes('/immutable/') ? null : version
}));

// Query strings (`/space/?id=…`) select data, not documents: every one maps to its page shell.
precacheAndRoute(entries, { ignoreURLParametersMatching: [/.*/], directoryIndex: 'index.html' });
cleanupOutdatedCaches();

// Any other navigation (an old bookmark, a mistyped path) gets the home shell rather than
// the browser's offline error.
const home = prerendered.find((path) => path.endsWith('/') && path.split('/').length === 2) ?? '/';
registerRoute(new NavigationRoute(createHandlerBoundToURL(home)));

self.addEventListener('message', (event) => {
	if ((event.data as { type?: string } | null)?.type === 'SKIP_WAITING') void self.skipWaiting();
});
