// Tells every tab of this browser that the list of spaces changed (created, renamed, edited,
// deleted), so home stays current and an open space closes when it is deleted elsewhere. One
// instance per page, made by the layout and closed with it.
import { ObservableV2 } from 'lib0/observable';

export type SpaceEvent = { type: 'changed'; id: string } | { type: 'deleted'; id: string };

type Events = { event: (event: SpaceEvent) => void };

export class SpaceEvents extends ObservableV2<Events> {
	readonly #channel: BroadcastChannel | null;
	#closed = false;

	constructor(name = 'commonplace-spaces') {
		super();
		this.#channel = typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel(name);
		if (this.#channel) {
			this.#channel.onmessage = (message: MessageEvent<unknown>) => {
				const event = parse(message.data);
				if (event) this.emit('event', [event]);
			};
		}
	}

	/** Tells this tab's listeners and every other tab. */
	publish(event: SpaceEvent): void {
		if (this.#closed) return;
		this.emit('event', [event]);
		this.#channel?.postMessage(event);
	}

	/** Calls `listener` for every event; returns an unsubscribe. */
	subscribe(listener: (event: SpaceEvent) => void): () => void {
		this.on('event', listener);
		return () => this.off('event', listener);
	}

	override destroy(): void {
		if (this.#closed) return;
		this.#closed = true;
		this.#channel?.close();
		super.destroy();
	}
}

function parse(data: unknown): SpaceEvent | null {
	if (typeof data !== 'object' || data === null) return null;
	const { type, id } = data as Record<string, unknown>;
	if ((type === 'changed' || type === 'deleted') && typeof id === 'string') return { type, id };
	return null;
}
