// The log between tabs of this browser, over a BroadcastChannel: the one way the log (and each
// tab's sealed presence) crosses between tabs — y-webrtc's own BroadcastChannel is off, and
// tabs tell the WebRTC transport each other's peer ids so they do not also connect over WebRTC.
// It keeps working while sync is paused. On join a tab says hello with its state vector; the
// others answer with what it lacks and a hello of their own; then every update is broadcast.
// A hello every 10 s keeps the list of tabs current (a closed tab says bye; a crashed one is
// forgotten after 30 s). Everything from the channel is checked and never thrown to the caller.
import * as awarenessProtocol from 'y-protocols/awareness';
import { ObservableV2 } from 'lib0/observable';
import * as Y from 'yjs';
import { PeerLedger } from './ledger';
import {
	idleStatus,
	sameStatus,
	type LogTransport,
	type TransportEvents,
	type TransportStatus
} from './log-transport';
import { heldLog } from '../log/log-doc';
import {
	checkAwarenessUpdate,
	countLogEntries,
	MAX_LOG_STRUCTS,
	MAX_STEP2_STRUCTS,
	MAX_UPDATE_ITEMS
} from './peer-message';

type Message =
	| { t: 'hello'; from: string; sv: Uint8Array; peer: string | null; reply: boolean }
	| { t: 'update'; from: string; to?: string; update: Uint8Array }
	| { t: 'awareness'; from: string; update: Uint8Array }
	| { t: 'bye'; from: string };

interface Tab {
	ledger: PeerLedger;
	/** Its id in the WebRTC room, so this tab's transport does not connect to it too. */
	peer: string | null;
	seen: number;
}

export interface TabsTransportOptions {
	/** The channel name: one per space (`cp-tabs-<room>`). */
	name: string;
	log: Y.Doc;
	/** This tab's sealed presence (its own state goes to the other tabs, theirs comes here). */
	awareness?: awarenessProtocol.Awareness | null;
	heartbeatMs?: number;
}

type Events = TransportEvents & {
	/** The WebRTC peer ids of the other tabs changed. */
	tabPeers: (ids: string[]) => void;
};

export class TabsTransport extends ObservableV2<Events> implements LogTransport {
	readonly kind = 'tabs';
	readonly #log: Y.Doc;
	readonly #awareness: awarenessProtocol.Awareness | null;
	readonly #channel: BroadcastChannel;
	readonly #id = crypto.randomUUID();
	readonly #tabs = new Map<string, Tab>();
	readonly #heartbeatMs: number;
	readonly #timer: ReturnType<typeof setInterval>;
	#peer: string | null = null;
	#dropped = 0;
	#status: TransportStatus = idleStatus('tabs');
	#destroyed = false;

	constructor(options: TabsTransportOptions) {
		super();
		this.#log = options.log;
		this.#awareness = options.awareness ?? null;
		this.#heartbeatMs = options.heartbeatMs ?? 10_000;
		this.#channel = new BroadcastChannel(options.name);
		this.#channel.onmessage = (event: MessageEvent<unknown>) => this.#receive(event.data);
		this.#log.on('update', this.#onUpdate);
		this.#log.on('destroy', this.#onDestroy);
		this.#awareness?.on('update', this.#onAwareness);
		this.#timer = setInterval(this.#heartbeat, this.#heartbeatMs);
		this.#hello(false);
		this.#report();
	}

	get status(): TransportStatus {
		return this.#status;
	}

	/** Messages from other tabs that could not be used. */
	get rejected(): number {
		return this.#dropped;
	}

	/** This tab's WebRTC peer id (null while it has none): other tabs then skip it there. */
	setPeerId(peer: string | null): void {
		if (peer === this.#peer) return;
		this.#peer = peer;
		this.#hello(true);
	}

	override destroy(): Promise<void> {
		if (!this.#destroyed) {
			this.#destroyed = true;
			clearInterval(this.#timer);
			this.#post({ t: 'bye', from: this.#id });
			this.#log.off('update', this.#onUpdate);
			this.#log.off('destroy', this.#onDestroy);
			this.#awareness?.off('update', this.#onAwareness);
			this.#channel.close();
			this.#tabs.clear();
			super.destroy();
		}
		return Promise.resolve();
	}

	#onDestroy = () => void this.destroy();

	#onUpdate = (update: Uint8Array, origin: unknown) => {
		if (origin === this) return;
		this.#post({ t: 'update', from: this.#id, update });
		// Every tab hears every broadcast.
		for (const tab of this.#tabs.values()) tab.ledger.update(update);
		this.#report();
	};

	// Only this tab's own state: each tab meets remote peers over WebRTC itself.
	#onAwareness = ({ added, updated, removed }: Changes, origin: unknown) => {
		if (origin === this || this.#awareness === null) return;
		const mine = this.#awareness.clientID;
		if (![...added, ...updated, ...removed].includes(mine)) return;
		const update = awarenessProtocol.encodeAwarenessUpdate(this.#awareness, [mine]);
		this.#post({ t: 'awareness', from: this.#id, update });
	};

	#heartbeat = () => {
		const now = Date.now();
		for (const [id, tab] of this.#tabs)
			if (now - tab.seen > 3 * this.#heartbeatMs) this.#forget(id);
		this.#hello(true);
		this.#report();
	};

	#hello(reply: boolean) {
		this.#post({
			t: 'hello',
			from: this.#id,
			sv: Y.encodeStateVector(this.#log),
			peer: this.#peer,
			reply
		});
	}

	#receive(data: unknown) {
		if (this.#destroyed) return;
		const message = parse(data);
		if (message === null) {
			this.#dropped++;
			return this.#report();
		}
		if (message.from === this.#id) return;
		try {
			if (message.t === 'bye') return this.#forget(message.from);
			const tab = this.#tab(message.from);
			if (message.t === 'hello') {
				tab.ledger.stateVector(Y.decodeStateVector(message.sv));
				const changed = tab.peer !== message.peer;
				tab.peer = message.peer;
				if (changed) this.#tellPeers();
				const diff = Y.encodeStateAsUpdate(this.#log, message.sv);
				this.#post({ t: 'update', from: this.#id, to: message.from, update: diff });
				tab.ledger.update(diff);
				// Ask back once, so the newcomer's own offline edits reach us too; and say who we are.
				if (!message.reply) {
					this.#hello(true);
					this.#sendPresence();
				}
			} else if (message.t === 'update') {
				if (message.to !== undefined && message.to !== this.#id) return;
				// Addressed updates answer our hello: everything we lack, a whole history at once.
				if (message.to === undefined) {
					countLogEntries(message.update, MAX_LOG_STRUCTS, MAX_UPDATE_ITEMS, heldLog(this.#log));
				} else countLogEntries(message.update, MAX_STEP2_STRUCTS, Infinity, heldLog(this.#log));
				Y.applyUpdate(this.#log, message.update, this);
				for (const other of this.#tabs.values()) other.ledger.update(message.update);
			} else if (message.t === 'awareness' && this.#awareness !== null) {
				checkAwarenessUpdate(message.update);
				awarenessProtocol.applyAwarenessUpdate(this.#awareness, message.update, this);
			}
		} catch (error) {
			this.#dropped++;
			console.warn(
				`Ignored a message from another tab: ${error instanceof Error ? error.message : 'unreadable'}`
			);
		}
		this.#report();
	}

	#sendPresence() {
		if (this.#awareness === null || this.#awareness.getLocalState() === null) return;
		const mine = this.#awareness.clientID;
		const update = awarenessProtocol.encodeAwarenessUpdate(this.#awareness, [mine]);
		this.#post({ t: 'awareness', from: this.#id, update });
	}

	#tab(id: string): Tab {
		let tab = this.#tabs.get(id);
		if (tab === undefined) {
			tab = { ledger: new PeerLedger(this.#log), peer: null, seen: Date.now() };
			this.#tabs.set(id, tab);
		}
		tab.seen = Date.now();
		return tab;
	}

	#forget(id: string) {
		const tab = this.#tabs.get(id);
		if (tab === undefined) return;
		this.#tabs.delete(id);
		if (tab.peer !== null) this.#tellPeers();
		this.#report();
	}

	#tellPeers() {
		const ids = [...this.#tabs.values()].flatMap((tab) => (tab.peer === null ? [] : [tab.peer]));
		this.emit('tabPeers', [ids]);
	}

	#post(message: Message) {
		try {
			this.#channel.postMessage(message);
		} catch (error) {
			// reason: a closed channel (tab closing) has nobody left to tell.
			console.warn('Could not reach other tabs', error);
		}
	}

	#report() {
		if (this.#destroyed) return;
		const tabs = [...this.#tabs.values()];
		const status: TransportStatus = {
			kind: 'tabs',
			connected: true,
			peers: tabs.length,
			inSync: tabs.filter((tab) => tab.ledger.inSync()).length,
			receiving: null,
			dropped: this.#dropped
		};
		if (sameStatus(status, this.#status)) return;
		this.#status = status;
		this.emit('status', [status]);
	}
}

type Changes = { added: number[]; updated: number[]; removed: number[] };

/** A message from the channel, checked to its exact shape; null for anything else. */
function parse(data: unknown): Message | null {
	if (typeof data !== 'object' || data === null) return null;
	const m = data as Record<string, unknown>;
	if (typeof m.from !== 'string' || m.from.length > 64) return null;
	const bytes = (value: unknown) => value instanceof Uint8Array;
	switch (m.t) {
		case 'hello':
			if (!bytes(m.sv) || typeof m.reply !== 'boolean') return null;
			if (m.peer !== null && (typeof m.peer !== 'string' || m.peer.length > 64)) return null;
			return m as Message;
		case 'update':
			if (!bytes(m.update) || (m.to !== undefined && typeof m.to !== 'string')) return null;
			return m as Message;
		case 'awareness':
			return bytes(m.update) ? (m as Message) : null;
		case 'bye':
			return m as Message;
		default:
			return null;
	}
}
