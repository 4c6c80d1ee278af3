// What components reach through Svelte context, never module singletons: the open space, and
// this page's app-wide services (device settings, the space-list channel), made by the layout.
import { getContext, setContext } from 'svelte';
import type { DeviceSettings } from './device-settings.svelte';
import type { SpaceEvents } from './space-events';
import type { SpaceSession } from './space-session.svelte';

const SPACE = Symbol('space-session');
const APP = Symbol('app');

export interface AppServices {
	device: DeviceSettings;
	events: SpaceEvents;
}

export function setSpaceContext(session: SpaceSession): SpaceSession {
	return setContext(SPACE, session);
}

export function getSpaceContext(): SpaceSession {
	const session = getContext<SpaceSession | undefined>(SPACE);
	if (!session)
		throw new Error(
			'getSpaceContext() was called outside an open space (no setSpaceContext above it).'
		);
	return session;
}

export function setAppContext(app: AppServices): AppServices {
	return setContext(APP, app);
}

export function getAppContext(): AppServices {
	const app = getContext<AppServices | undefined>(APP);
	if (!app) throw new Error('getAppContext() was called outside the layout (no setAppContext).');
	return app;
}
