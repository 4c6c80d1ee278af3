// Presence: who is here, on which page, and where their caret is. Two awareness instances:
//   - `sealed` is the one y-webrtc carries: each local state is `{ s: <sealed JSON> }`;
//   - `opened` is a local mirror of the same states, opened with readKey and checked. The
//     editor's caret plugin and the UI read and write only this one.
// A local change to `opened` is sealed into `sealed`; a remote change to `sealed` is opened into
// `opened`. A state that does not open, has the wrong shape, names another client id, is too
// old or too new, or is older than one already accepted is treated as absent, and is not kept
// in `sealed` either (so y-webrtc does not hand it to newcomers).
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import { deviceTag, openPresence, sealPresence } from '../crypto/presence';
import {
	checkSealedPresence,
	isClientId,
	type PresenceState,
	type PresenceUser,
	type SealedPresence
} from './presence-check';

export { checkPresence, type PresenceState, type PresenceUser } from './presence-check';

export interface Peer {
	clientId: number;
	user: PresenceUser;
	page: string | null;
	role: 'edit' | 'view';
	/** This browser, in another tab. */
	self: boolean;
}

export interface PresenceOptions {
	/** This browser's device secret and the space's id: tags our state, finds our other tabs. */
	device?: { secret: Uint8Array; spaceId: string };
	/** Milliseconds since the epoch (tests move it). */
	now?: () => number;
}

/**
 * How far a state's time may be from ours. Clocks of devices that sync time (NTP) agree within
 * seconds; hand-set ones drift by minutes. Five minutes is Kerberos's default skew and far above
 * the at most ~15 s a live state can age between renewals, so an honest peer is never refused;
 * a captured state can be replayed for at most this long, and only under its own client id.
 */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;
/**
 * Our state is sealed again, with a fresh time, this often. y-protocols renews a state after
 * 15 s (and drops a silent one after 30 s); renewing before that keeps its stock renewal, which
 * would resend the old sealed time, from ever running.
 */
export const RESEAL_MS = 10_000;
/**
 * Remote states kept at most. One connection may carry 256 (peer-guard.ts); twice that leaves
 * room for a room met through several connections, and bounds memory (8 KB each).
 */
export const MAX_STATES = 512;

export type Refusal = 'unreadable' | 'other-id' | 'stale-time' | 'replayed' | 'too-many';

type Changes = { added: number[]; updated: number[]; removed: number[] };

interface Accepted {
	t: number;
	/** The sealed text: the same state delivered again (a stock renewal, a relay) is no replay. */
	s: string;
	/** Still here (not removed, not timed out). */
	present: boolean;
	/** What `sealed` held for it then, put back if a later state is refused. */
	sealed: object;
	meta: { clock: number; lastUpdated: number };
}

export class Presence {
	readonly sealed: awarenessProtocol.Awareness;
	readonly opened: awarenessProtocol.Awareness;
	/** States refused since opening, by reason. */
	readonly refused: Partial<Record<Refusal, number>> = {};
	readonly #readKey: Uint8Array;
	readonly #device: PresenceOptions['device'];
	readonly #now: () => number;
	readonly #listeners = new Set<(peers: Peer[]) => void>();
	readonly #accepted = new Map<number, Accepted>();
	/** Remote client ids that are this browser in another tab. */
	readonly #self = new Set<number>();
	readonly #timer: ReturnType<typeof setInterval>;
	/** The clock of the last state this device sealed (y-protocols' meta for our own id). */
	#ownClock = 0;
	#destroyed = false;

	constructor(log: Y.Doc, content: Y.Doc, readKey: Uint8Array, options: PresenceOptions = {}) {
		this.#readKey = readKey;
		this.#device = options.device;
		this.#now = options.now ?? Date.now;
		this.sealed = new awarenessProtocol.Awareness(log);
		this.opened = new awarenessProtocol.Awareness(content);
		this.sealed.setLocalState(null);
		this.opened.setLocalState(null);
		this.opened.on('change', this.#onOpenedChange);
		this.sealed.on('update', this.#onSealedUpdate);
		this.#timer = setInterval(this.#renew, RESEAL_MS);
	}

	/** Sets this person's own state (name, colour, page, role); the caret plugin adds `cursor`. */
	setLocal(state: Omit<PresenceState, 'cursor'>) {
		const current = (this.opened.getLocalState() ?? {}) as Partial<PresenceState>;
		this.opened.setLocalState({ ...current, ...state });
	}

	/** Everyone else here now, opened and checked. */
	peers(): Peer[] {
		const peers: Peer[] = [];
		this.opened.getStates().forEach((value, clientId) => {
			if (clientId === this.opened.clientID) return;
			// Only checked copies are ever put into the mirror (#onSealedUpdate).
			const state = value as PresenceState;
			const self = this.#self.has(clientId);
			peers.push({ clientId, user: state.user, page: state.page, role: state.role, self });
		});
		return peers.sort((a, b) => a.user.name.localeCompare(b.user.name) || a.clientId - b.clientId);
	}

	subscribe(listener: (peers: Peer[]) => void): () => void {
		this.#listeners.add(listener);
		listener(this.peers());
		return () => this.#listeners.delete(listener);
	}

	destroy() {
		if (this.#destroyed) return;
		this.#destroyed = true;
		clearInterval(this.#timer);
		this.opened.off('change', this.#onOpenedChange);
		this.sealed.off('update', this.#onSealedUpdate);
		this.#listeners.clear();
		this.opened.destroy();
		this.sealed.destroy();
	}

	/** Seals the local state with our client id and the time, or clears it. */
	#seal() {
		const state = this.opened.getLocalState();
		if (state === null) {
			if (this.sealed.getLocalState() !== null) this.sealed.setLocalState(null);
			return;
		}
		const id = this.sealed.clientID;
		const body: Record<string, unknown> = { ...state, id, t: this.#now() };
		const cursor = toJSONCursor(state.cursor);
		if (cursor !== undefined) body.cursor = cursor;
		if (this.#device !== undefined && isClientId(id)) {
			body.device = deviceTag(this.#device.secret, this.#device.spaceId, id);
		}
		this.sealed.setLocalState({ s: sealPresence(this.#readKey, body) });
		const meta = this.sealed.meta.get(this.sealed.clientID);
		if (meta !== undefined) this.#ownClock = meta.clock;
	}

	#renew = () => {
		if (this.opened.getLocalState() !== null) this.#seal();
		// Anything older than the skew is refused on its time alone, so what was accepted or
		// seen that long ago need not be remembered (y-protocols never forgets a client's meta).
		const now = this.#now();
		for (const [clientId, accepted] of this.#accepted) {
			if (!accepted.present && accepted.t < now - MAX_CLOCK_SKEW_MS)
				this.#accepted.delete(clientId);
		}
		const since = Date.now() - MAX_CLOCK_SKEW_MS;
		const states = this.sealed.getStates();
		for (const [clientId, meta] of this.sealed.meta) {
			if (clientId === this.sealed.clientID || states.has(clientId)) continue;
			if (meta.lastUpdated < since) this.sealed.meta.delete(clientId);
		}
	};

	#onOpenedChange = (_changes: Changes, origin: unknown) => {
		if (origin === 'local') this.#seal();
		for (const listener of this.#listeners) listener(this.peers());
	};

	// Renewals (every 10–15 s) arrive as updates without a change; they keep the mirror's copy
	// fresh, so the mirror's own 30 s timeout does not drop a peer who is still here.
	#onSealedUpdate = (changes: Changes, origin: unknown) => {
		if (origin === 'local') return;
		const added: number[] = [];
		const updated: number[] = [];
		const removed: number[] = [];
		const now = this.#now();
		const states = this.opened.getStates();
		const drop = (clientId: number) => {
			if (states.delete(clientId)) removed.push(clientId);
			this.opened.meta.delete(clientId);
			this.#self.delete(clientId);
		};
		for (const clientId of [...changes.added, ...changes.updated, ...changes.removed]) {
			if (clientId === this.sealed.clientID) {
				// Someone wrote a state under our id: send ours again, with our own next clock —
				// not theirs (a clock near 2^53 would stop ours from ever growing again).
				const meta = this.sealed.meta.get(clientId);
				if (meta !== undefined) meta.clock = this.#ownClock;
				if (this.opened.getLocalState() !== null) queueMicrotask(() => this.#reseal());
				continue;
			}
			const sealed: unknown = this.sealed.getStates().get(clientId);
			if (sealed === undefined) {
				const accepted = this.#accepted.get(clientId);
				if (accepted !== undefined) accepted.present = false;
				drop(clientId);
				continue;
			}
			const verdict = this.#check(clientId, sealed, now, states.has(clientId));
			if (typeof verdict === 'string') {
				this.refused[verdict] = (this.refused[verdict] ?? 0) + 1;
				const last = this.#accepted.get(clientId);
				if (last?.present !== true) drop(clientId);
				this.#undo(clientId, sealed, last?.present === true ? last : undefined);
				continue;
			}
			const { state } = verdict;
			if (this.#isSelf(clientId, state.device)) {
				this.#self.add(clientId);
				state.user = { ...state.user, name: `${state.user.name} (other tab)` };
			} else {
				this.#self.delete(clientId);
			}
			const had = states.has(clientId);
			const changed = !had || JSON.stringify(states.get(clientId)) !== JSON.stringify(state);
			states.set(clientId, state);
			const clock = this.sealed.meta.get(clientId)?.clock ?? 0;
			this.opened.meta.set(clientId, { clock, lastUpdated: Date.now() });
			if (!had) added.push(clientId);
			else if (changed) updated.push(clientId);
		}
		if (added.length + updated.length + removed.length > 0) {
			this.opened.emit('change', [{ added, updated, removed }, 'remote']);
		}
		if (changes.removed.length > 0) this.#forgetDeparted();
	};

	/**
	 * People who left are remembered (their last clock and time, so an old state of theirs is not
	 * taken again) for MAX_CLOCK_SKEW_MS, but at most MAX_STATES of them: someone announcing and
	 * removing fresh people in a loop would otherwise grow what this tab holds without bound.
	 * Past that, the longest gone are forgotten (down to half, so this runs now and then).
	 */
	#forgetDeparted() {
		const states = this.sealed.getStates();
		const departed: Array<[number, number]> = [];
		for (const [clientId, meta] of this.sealed.meta) {
			if (clientId !== this.sealed.clientID && !states.has(clientId)) {
				departed.push([clientId, meta.lastUpdated]);
			}
		}
		if (departed.length <= MAX_STATES) return;
		departed.sort((a, b) => a[1] - b[1]);
		for (const [clientId] of departed.slice(0, departed.length - MAX_STATES / 2)) {
			this.sealed.meta.delete(clientId);
			this.#accepted.delete(clientId);
		}
	}

	/** The checked state, or why it is refused. Accepting it is remembered. */
	#check(clientId: number, sealed: unknown, now: number, had: boolean): SealedPresence | Refusal {
		if (!isSealedState(sealed)) return 'unreadable';
		const { s } = sealed;
		const state = checkSealedPresence(openPresence(this.#readKey, s));
		if (state === null) return 'unreadable';
		if (state.id !== clientId) return 'other-id';
		if (Math.abs(state.t - now) > MAX_CLOCK_SKEW_MS) return 'stale-time';
		const last = this.#accepted.get(clientId);
		if (last !== undefined) {
			// The same sealed state again (a stock renewal, a relay) is fine while its sender is
			// here; once they left, bringing it back would be a replay.
			const again = state.t === last.t && s === last.s && last.present;
			if (state.t < last.t || (state.t === last.t && !again)) return 'replayed';
		}
		if (!had && this.#remoteCount() >= MAX_STATES) return 'too-many';
		const meta = this.sealed.meta.get(clientId) ?? { clock: 0, lastUpdated: Date.now() };
		this.#accepted.set(clientId, {
			t: state.t,
			s,
			present: true,
			sealed: sealed,
			meta: { ...meta }
		});
		return state;
	}

	#remoteCount(): number {
		return this.opened.getStates().size - (this.opened.getLocalState() === null ? 0 : 1);
	}

	#isSelf(clientId: number, device: string | undefined): boolean {
		if (this.#device === undefined || device === undefined || !isClientId(clientId)) return false;
		return deviceTag(this.#device.secret, this.#device.spaceId, clientId) === device;
	}

	/**
	 * A refused state leaves no trace in `sealed`: the state accepted before it (with its clock) is
	 * put back, or the client is forgotten. Otherwise y-webrtc would hand it to newcomers, and
	 * its clock (outside the seal, so anyone's to choose: 2^53 - 1) would make the awareness
	 * ignore that client's real states. Done once y-webrtc has passed the update on, as it does
	 * every update (each receiver judges it for itself): undoing it before would make y-webrtc
	 * announce the client as gone, to everyone, at the clock of a state that may be honest.
	 */
	#undo(clientId: number, sealed: unknown, last: Accepted | undefined) {
		queueMicrotask(() => {
			if (this.#destroyed || this.sealed.getStates().get(clientId) !== sealed) return;
			if (last === undefined) {
				this.sealed.getStates().delete(clientId);
				this.sealed.meta.delete(clientId);
			} else {
				this.sealed.getStates().set(clientId, last.sealed);
				this.sealed.meta.set(clientId, { ...last.meta });
			}
		});
	}

	#reseal() {
		if (!this.#destroyed && this.opened.getLocalState() !== null) this.#seal();
	}
}

function isSealedState(value: unknown): value is { s: string } {
	if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
	const keys = Object.keys(value);
	return keys.length === 1 && keys[0] === 's' && typeof (value as { s: unknown }).s === 'string';
}

/**
 * y-prosemirror puts Y.RelativePosition objects into the local caret; they are sent the way
 * Y.relativePositionToJSON writes them (no null keys); undefined for anything else, which is then
 * sealed as it is (receivers check it).
 */
function toJSONCursor(cursor: unknown): unknown {
	if (typeof cursor !== 'object' || cursor === null) return undefined;
	const { anchor, head } = cursor as { anchor?: unknown; head?: unknown };
	if (anchor instanceof Y.RelativePosition && head instanceof Y.RelativePosition) {
		return { anchor: Y.relativePositionToJSON(anchor), head: Y.relativePositionToJSON(head) };
	}
	return undefined;
}
