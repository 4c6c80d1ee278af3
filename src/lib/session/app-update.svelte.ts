// Service worker registration through workbox-window. A new version waits until the user
// chooses to reload, so code never changes under an open editor.
import { Workbox } from 'workbox-window';

export class AppUpdate {
	available = $state(false);
	offlineReady = $state(false);
	#workbox: Workbox | null = null;

	register(url: string) {
		if (!('serviceWorker' in navigator)) return;
		const workbox = new Workbox(url);
		workbox.addEventListener('waiting', () => {
			this.available = true;
		});
		workbox.addEventListener('activated', (event) => {
			if (!event.isUpdate) this.offlineReady = true;
		});
		workbox.register().catch((error: unknown) => {
			console.warn('Offline support is unavailable: the service worker did not register.', error);
		});
		this.#workbox = workbox;
	}

	/** Switches to the waiting version and reloads once it controls the page. */
	apply() {
		const workbox = this.#workbox;
		if (!workbox) return;
		workbox.addEventListener('controlling', () => window.location.reload());
		workbox.messageSkipWaiting();
	}
}
