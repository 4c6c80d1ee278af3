// The open space is handed to components through Svelte context, never a module singleton.
import { getContext, setContext } from 'svelte';
import type { SpaceSession } from './space-session.svelte';

const KEY = Symbol('space-session');

export function setSpaceContext(session: SpaceSession): SpaceSession {
	return setContext(KEY, session);
}

export function getSpaceContext(): SpaceSession {
	const session = getContext<SpaceSession | undefined>(KEY);
	if (!session)
		throw new Error(
			'getSpaceContext() was called outside an open space (no setSpaceContext above it).'
		);
	return session;
}
