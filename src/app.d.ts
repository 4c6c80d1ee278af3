// See https://svelte.dev/docs/kit/types#app.d.ts
declare global {
	namespace App {
		// interface Error {}
		// interface Locals {}
		// interface PageData {}
		// interface PageState {}
		// interface Platform {}
	}
	// Build-time network defaults (see src/lib/sync/network-config.ts).
	interface ImportMetaEnv {
		readonly VITE_SIGNALING?: string;
		readonly VITE_RELAYS?: string;
		readonly VITE_ICE_SERVERS?: string;
	}
}

export {};
