// Keeps a document in step across tabs of this browser over BroadcastChannel. On join a tab
// sends its state vector and the others answer with what it lacks; after that every local
// update is broadcast. Bytes from the channel are checked and never thrown into the caller.
import * as Y from 'yjs';

type Message =
	| { type: 'hello'; from: string; sv: Uint8Array; reply: boolean }
	| { type: 'update'; from: string; to?: string; update: Uint8Array };

export class TabChannel {
	readonly #doc: Y.Doc;
	readonly #channel: BroadcastChannel;
	readonly #id = crypto.randomUUID();
	#rejected = 0;

	constructor(name: string, doc: Y.Doc) {
		this.#doc = doc;
		this.#channel = new BroadcastChannel(name);
		this.#channel.onmessage = (event: MessageEvent<unknown>) => this.#receive(event.data);
		doc.on('update', this.#onUpdate);
		doc.on('destroy', this.destroy);
		this.#post({ type: 'hello', from: this.#id, sv: Y.encodeStateVector(doc), reply: false });
	}

	/** Messages from other tabs that could not be used. */
	get rejected(): number {
		return this.#rejected;
	}

	#onUpdate = (update: Uint8Array, origin: unknown) => {
		if (origin === this) return;
		this.#post({ type: 'update', from: this.#id, update });
	};

	#receive(data: unknown) {
		const message = data as Partial<Message> | null;
		if (!message || message.from === this.#id) return;
		try {
			if (message.type === 'hello' && message.sv instanceof Uint8Array) {
				const diff = Y.encodeStateAsUpdate(this.#doc, message.sv);
				this.#post({ type: 'update', from: this.#id, to: message.from, update: diff });
				// Ask back once, so the newcomer's own offline edits reach us too.
				if (message.reply !== true) {
					const sv = Y.encodeStateVector(this.#doc);
					this.#post({ type: 'hello', from: this.#id, sv, reply: true });
				}
			} else if (message.type === 'update' && message.update instanceof Uint8Array) {
				if (message.to !== undefined && message.to !== this.#id) return;
				Y.applyUpdate(this.#doc, message.update, this);
			} else {
				this.#rejected++;
			}
		} catch (error) {
			this.#rejected++;
			console.warn('Ignored a message from another tab', error);
		}
	}

	#post(message: Message) {
		try {
			this.#channel.postMessage(message);
		} catch (error) {
			// reason: a closed channel (tab closing) has nobody left to tell.
			console.warn('Could not reach other tabs', error);
		}
	}

	destroy = () => {
		this.#doc.off('update', this.#onUpdate);
		this.#doc.off('destroy', this.destroy);
		this.#channel.close();
	};
}
