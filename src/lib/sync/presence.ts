// Presence: who is here, on which page, and where their caret is. Two awareness instances:
//   - `sealed` is the one y-webrtc carries: each local state is `{ s: <sealed JSON> }`;
//   - `opened` is a local mirror of the same states, opened with readKey and checked. The
//     editor's caret plugin and the UI read and write only this one.
// A local change to `opened` is sealed into `sealed`; a remote change to `sealed` is opened into
// `opened`. A state that does not open, or has the wrong shape, is treated as absent.
import * as awarenessProtocol from 'y-protocols/awareness';
import type * as Y from 'yjs';
import { openPresence, sealPresence } from '../crypto/presence';

export interface PresenceUser {
	name: string;
	color: string;
}

export interface PresenceState {
	user: PresenceUser;
	page: string | null;
	role: 'edit' | 'view';
	/**
	 * The same for every tab of one browser in one space, different across spaces (see
	 * `storage/settings.deviceTag`): lets a tab tell "you, in another tab" from another person.
	 */
	device?: string;
	cursor?: { anchor: unknown; head: unknown } | null;
}

export interface Peer {
	clientId: number;
	user: PresenceUser;
	page: string | null;
	role: 'edit' | 'view';
	/** This browser, in another tab. */
	self: boolean;
}

const COLOR = /^#[0-9a-f]{6}$/i;
const FALLBACK_COLOR = '#8a8f98';
const MAX_NAME = 40;

type Changes = { added: number[]; updated: number[]; removed: number[] };

/** A checked copy of an opened state, or null if it is not one. */
export function checkPresence(value: unknown): PresenceState | null {
	if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
	const record = value as Record<string, unknown>;
	const user = record.user as Record<string, unknown> | null | undefined;
	if (typeof user !== 'object' || user === null || typeof user.name !== 'string') return null;
	const name = user.name.trim().slice(0, MAX_NAME) || 'Someone';
	const color =
		typeof user.color === 'string' && COLOR.test(user.color) ? user.color : FALLBACK_COLOR;
	const page = typeof record.page === 'string' && record.page.length <= 64 ? record.page : null;
	const role = record.role === 'edit' ? 'edit' : 'view';
	const state: PresenceState = { user: { name, color }, page, role };
	if (typeof record.device === 'string' && /^[0-9a-f]{1,64}$/.test(record.device)) {
		state.device = record.device;
	}
	const cursor = record.cursor as Record<string, unknown> | null | undefined;
	if (typeof cursor === 'object' && cursor !== null) {
		const { anchor, head } = cursor;
		if (
			typeof anchor === 'object' &&
			anchor !== null &&
			typeof head === 'object' &&
			head !== null
		) {
			state.cursor = { anchor, head };
		}
	}
	return state;
}

export class Presence {
	readonly sealed: awarenessProtocol.Awareness;
	readonly opened: awarenessProtocol.Awareness;
	readonly #readKey: Uint8Array;
	readonly #listeners = new Set<(peers: Peer[]) => void>();

	constructor(log: Y.Doc, content: Y.Doc, readKey: Uint8Array) {
		this.#readKey = readKey;
		this.sealed = new awarenessProtocol.Awareness(log);
		this.opened = new awarenessProtocol.Awareness(content);
		this.sealed.setLocalState(null);
		this.opened.setLocalState(null);
		this.opened.on('change', this.#onOpenedChange);
		this.sealed.on('update', this.#onSealedUpdate);
	}

	/** Sets this person's own state (name, colour, page, role); the caret plugin adds `cursor`. */
	setLocal(state: Omit<PresenceState, 'cursor'>) {
		const current = (this.opened.getLocalState() ?? {}) as Partial<PresenceState>;
		this.opened.setLocalState({ ...current, ...state });
	}

	/** Everyone else here now, opened and checked. */
	peers(): Peer[] {
		const peers: Peer[] = [];
		const mine = this.#device();
		this.opened.getStates().forEach((value, clientId) => {
			if (clientId === this.opened.clientID) return;
			const state = checkPresence(value);
			if (state === null) return;
			const self = mine !== undefined && state.device === mine;
			peers.push({ clientId, user: state.user, page: state.page, role: state.role, self });
		});
		return peers.sort((a, b) => a.user.name.localeCompare(b.user.name) || a.clientId - b.clientId);
	}

	#device(): string | undefined {
		return (this.opened.getLocalState() as { device?: string } | null)?.device;
	}

	subscribe(listener: (peers: Peer[]) => void): () => void {
		this.#listeners.add(listener);
		listener(this.peers());
		return () => this.#listeners.delete(listener);
	}

	destroy() {
		this.opened.off('change', this.#onOpenedChange);
		this.sealed.off('update', this.#onSealedUpdate);
		this.#listeners.clear();
		this.opened.destroy();
		this.sealed.destroy();
	}

	#onOpenedChange = (_changes: Changes, origin: unknown) => {
		if (origin === 'local') {
			const state = this.opened.getLocalState();
			this.sealed.setLocalState(state === null ? null : { s: sealPresence(this.#readKey, state) });
		}
		for (const listener of this.#listeners) listener(this.peers());
	};

	// Renewals (every 15 s) arrive as updates without a change; they keep the mirror's copy
	// fresh, so the mirror's own 30 s timeout does not drop a peer who is still here.
	#onSealedUpdate = (changes: Changes, origin: unknown) => {
		if (origin === 'local') return;
		const added: number[] = [];
		const updated: number[] = [];
		const removed: number[] = [];
		const now = Date.now();
		const states = this.opened.getStates();
		for (const clientId of [...changes.added, ...changes.updated, ...changes.removed]) {
			if (clientId === this.sealed.clientID) continue;
			const had = states.has(clientId);
			const sealed = this.sealed.getStates().get(clientId) as { s?: unknown } | undefined;
			const state =
				sealed === undefined ? null : checkPresence(openPresence(this.#readKey, sealed.s));
			const clock = this.sealed.meta.get(clientId)?.clock ?? 0;
			if (state === null) {
				if (had) {
					states.delete(clientId);
					this.opened.meta.delete(clientId);
					removed.push(clientId);
				}
				continue;
			}
			const mine = this.#device();
			if (mine !== undefined && state.device === mine) {
				state.user = { ...state.user, name: `${state.user.name} (other tab)` };
			}
			const changed = !had || JSON.stringify(states.get(clientId)) !== JSON.stringify(state);
			states.set(clientId, state);
			this.opened.meta.set(clientId, { clock, lastUpdated: now });
			if (!had) added.push(clientId);
			else if (changed) updated.push(clientId);
		}
		if (added.length + updated.length + removed.length > 0) {
			this.opened.emit('change', [{ added, updated, removed }, 'remote']);
		}
	};
}
