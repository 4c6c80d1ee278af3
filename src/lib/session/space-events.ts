// Tells every tab of this browser that the list of spaces changed (created, renamed, edited,
// deleted), so home stays current and an open space closes when it is deleted elsewhere.

export type SpaceEvent = { type: 'changed'; id: string } | { type: 'deleted'; id: string };

type Listener = (event: SpaceEvent) => void;

const listeners = new Set<Listener>();
let channel: BroadcastChannel | null = null;

function open(): BroadcastChannel | null {
	if (channel === null && typeof BroadcastChannel !== 'undefined') {
		channel = new BroadcastChannel('commonplace-spaces');
		channel.onmessage = (message: MessageEvent<unknown>) => {
			const event = parse(message.data);
			if (event) for (const listener of listeners) listener(event);
		};
	}
	return channel;
}

function parse(data: unknown): SpaceEvent | null {
	if (typeof data !== 'object' || data === null) return null;
	const { type, id } = data as Record<string, unknown>;
	if ((type === 'changed' || type === 'deleted') && typeof id === 'string') return { type, id };
	return null;
}

export const spaceEvents = {
	/** Tells this tab's listeners and every other tab. */
	publish(event: SpaceEvent) {
		for (const listener of listeners) listener(event);
		open()?.postMessage(event);
	},
	subscribe(listener: Listener): () => void {
		open();
		listeners.add(listener);
		return () => listeners.delete(listener);
	}
};
