// Checks a y-webrtc message from a peer before y-webrtc reads it. y-webrtc parses peer messages
// inside simple-peer's 'data' handler and would throw there on junk (a truncated varint, bad
// JSON in an awareness state, a broken Yjs update); a peer is anyone holding the relay key, so
// its bytes are untrusted. This reads every message the way y-webrtc will and says whether it
// is well formed and of a sane size. It does not judge content: envelopes are verified later by
// the bridge. What one connection may send over time is peer-guard.ts's business.
import * as decoding from 'lib0/decoding';
import * as Y from 'yjs';
import type { HeldLog } from '../log/log-doc';

// y-webrtc message types, and the y-protocols sync sub-types.
export const SYNC = 0;
export const AWARENESS = 1;
export const QUERY_AWARENESS = 3;
export const BC_PEER_ID = 4;
export const STEP1 = 0;
export const STEP2 = 1;
export const UPDATE = 2;

/** More people than this in one update is a flood, not a meeting. */
export const MAX_AWARENESS_STATES = 1_000;
/** A sealed presence state is a few hundred characters; this leaves room and no more. */
export const MAX_AWARENESS_STATE_CHARS = 8 * 1024;
/** The largest presence clock taken (see checkAwarenessUpdate). */
export const MAX_AWARENESS_CLOCK = 2 ** 32;
/**
 * Log entries one sync step 2 or update may carry: envelopes, and plain values (junk the bridge
 * counts and removes), each of which the bridge must open. Editors compact the log at 500
 * entries, so a whole space in one first sync holds a few hundred: 5,000 is ample. Set by the
 * bench (`hostile`): one message at this cap costs a tab's main thread 70–80 ms in its longest
 * task, check, apply and all that follows included; 10,000 cost 100–110 ms (target ≤ 100 ms).
 */
export const MAX_LOG_ENTRIES = 5_000;
/**
 * Structs (items, deleted runs, garbage-collected ranges, gaps) plus delete-set ranges one
 * update may carry. Compaction leaves about two for every editing session that ever wrote
 * (a deleted run and a range: each session has its own client id, and runs of two clients never
 * merge), so a space's history grows them without bound, slowly: 30,000 is ~15,000 writing
 * sessions (a team of five opening a space ten times a day: about a year). Past that a whole-
 * space sync is refused — see docs/threat-model.md for the fix this needs (stable writer ids or
 * log epochs). At this cap one hostile "history" message costs ~110 ms of main thread.
 */
export const MAX_LOG_STRUCTS = 30_000;
/** The one type the log doc holds (log/log-doc.ts). */
const LOG = 'log';

export type PeerMessageReason =
	| 'malformed'
	| 'unknown-type'
	| 'unknown-sync'
	| 'not-a-log'
	| 'not-appended'
	| 'entry-too-large'
	| 'too-many-entries'
	| 'too-many-states'
	| 'state-too-large'
	| 'bad-state';

/** What a log update adds: live entries, and structs plus delete-set ranges in all. */
export interface LogCount {
	entries: number;
	structs: number;
}

/** One presence state in an awareness message: its client id and the size of its JSON. */
export interface AwarenessEntry {
	client: number;
	clock: number;
	/** Characters of the state's JSON; 0 for null (the client left). */
	chars: number;
}

export type PeerMessageCheck =
	| { ok: true; type: typeof SYNC; sub: number; entries: LogCount }
	| { ok: true; type: typeof AWARENESS; states: AwarenessEntry[] }
	| { ok: true; type: typeof QUERY_AWARENESS | typeof BC_PEER_ID }
	| { ok: false; reason: PeerMessageReason };

class Refused extends Error {
	constructor(readonly reason: PeerMessageReason) {
		super(reason);
	}
}

/**
 * Checks one peer message. A sync step 2 that answers a step 1 we sent (`asked`, peer-guard.ts)
 * may hold a whole history (MAX_STEP2_STRUCTS, any number of items); any other log update at
 * most MAX_UPDATE_ITEMS items. With `held` (the receiver's log), the update is also checked
 * against what that log already holds (roots and siblings in all).
 */
export function checkPeerMessage(
	message: Uint8Array,
	asked = false,
	held?: HeldLog
): PeerMessageCheck {
	try {
		const decoder = decoding.createDecoder(message);
		const type = decoding.readVarUint(decoder);
		switch (type) {
			case SYNC: {
				const sub = decoding.readVarUint(decoder);
				const payload = decoding.readVarUint8Array(decoder);
				if (sub === STEP1) {
					Y.decodeStateVector(payload);
					return { ok: true, type, sub, entries: { entries: 0, structs: 0 } };
				}
				if (sub === STEP2 || sub === UPDATE) {
					const whole = sub === STEP2 && asked;
					const entries = whole
						? countLogEntries(payload, MAX_STEP2_STRUCTS, Infinity, held)
						: countLogEntries(payload, MAX_LOG_STRUCTS, MAX_UPDATE_ITEMS, held);
					return { ok: true, type, sub, entries };
				}
				return { ok: false, reason: 'unknown-sync' };
			}
			case AWARENESS:
				return {
					ok: true,
					type,
					states: checkAwarenessUpdate(decoding.readVarUint8Array(decoder))
				};
			case QUERY_AWARENESS:
				return { ok: true, type };
			case BC_PEER_ID:
				decoding.readUint8(decoder);
				decoding.readVarString(decoder);
				return { ok: true, type };
			default:
				return { ok: false, reason: 'unknown-type' };
		}
	} catch (error) {
		if (error instanceof Refused) return { ok: false, reason: error.reason };
		// reason: a decoding error is exactly the answer: the message is malformed.
		return { ok: false, reason: 'malformed' };
	}
}

/**
 * Structs plus delete-set ranges in a sync step 2 that answers our own step 1: a whole space's
 * history at once (peer-guard.ts allows one such answer per step 1, once a minute). History only
 * grows — writers chain their entries (log/log-doc.ts), so a writing session leaves a few runs
 * and ranges — so this is ~30,000 sessions. An honest history this size applies in well under a
 * second; a crafted one can cost far more (a comb of forks makes Yjs's placement quadratic):
 * the known limit in docs/threat-model.md, until log epochs bound history per epoch.
 */
export const MAX_STEP2_STRUCTS = 100_000;
/**
 * Items in one update inserted after an item that is not in the same update. Honest peers only
 * append, so each writer's run starts after the end of the log it knew: a few per update, one
 * per writer that wrote concurrently. Each such item may make Yjs walk the log to place it.
 */
export const MAX_BRANCHES = 16;
/** Items in one update with no origin: honestly only the log's very first entry has none. */
export const MAX_ROOTS = 4;
/** Items with no origin in a whole log (the receiver's, with the update): a few first entries. */
export const MAX_LOG_ROOTS = 16;
/**
 * Items after one item, in a whole log: writers chain their entries (log/log-doc.ts), so an item
 * is followed by one, or by one per writer that appended after it at the same moment.
 */
export const MAX_SIBLINGS = 32;
/**
 * Items (entries and deleted runs) in one update that is not a sync step 2. An honest update is
 * one transaction: an entry sealed, a compaction's snapshot, a few entries put back. Yjs may walk
 * every item of an update already placed to place the next (a comb of forks inside one update
 * costs seconds at 2,000), so updates stay small; a whole history arrives as a sync step 2.
 */
export const MAX_UPDATE_ITEMS = 256;
/** No entry is larger than the largest envelope (crypto/envelope.ts, MAX_ENVELOPE_BYTES). */
export const MAX_ENTRY_BYTES = 64 * 1024 * 1024;

/**
 * Throws unless `update` is a Yjs v1 update of the shape honest peers make of the log's one
 * `Y.Array`: entries are only ever appended (`push`), each a Uint8Array (ContentBinary, one item,
 * no larger than an envelope can be), and deleted runs (ContentDeleted) are history. Anything
 * else is refused: plain values, garbage-collected ranges, gaps, nested types, other root types,
 * items with a right origin (an insertion in the middle), more than a few items without an
 * origin or after an item from elsewhere, or many after one item. These shapes are what lets a
 * peer make Yjs's YATA placement walk the whole log for every item (quadratic: seconds to
 * minutes per message). What Yjs would throw on while applying it (an item whose neighbour by
 * the same client is itself or later, an empty or unsorted delete range, clocks past 2^53) is
 * malformed. At most MAX_LOG_ENTRIES entries, `maxStructs` structs plus delete ranges, and
 * `maxItems` structs.
 * One pass over the decoded update: linear in its size.
 */
export function countLogEntries(
	update: Uint8Array,
	maxStructs = MAX_LOG_STRUCTS,
	maxItems = Infinity,
	held?: HeldLog
): LogCount {
	const { structs, ds } = Y.decodeUpdate(update);
	if (structs.length > maxItems) throw new Refused('too-many-entries');
	// A whole history (no item cap) may branch from anywhere the receiver already holds.
	const maxBranches = maxItems === Infinity ? Infinity : MAX_BRANCHES;
	const count: LogCount = { entries: 0, structs: 0 };
	const add = (entries: number, structs: number) => {
		count.entries += entries;
		count.structs += structs;
		if (count.entries > MAX_LOG_ENTRIES || count.structs > maxStructs) {
			throw new Refused('too-many-entries');
		}
	};
	// Each client's ids in this update: [first clock, end) (decoded updates list a client's
	// structs together, in clock order).
	const spans = new Map<number, [number, number]>();
	for (const { id, length } of structs) {
		const span = spans.get(id.client);
		if (span === undefined) spans.set(id.client, [id.clock, id.clock + length]);
		else span[1] = id.clock + length;
	}
	const inUpdate = (id: Y.ID) => {
		const span = spans.get(id.client);
		return span !== undefined && id.clock >= span[0] && id.clock < span[1];
	};
	let roots = 0;
	let branches = 0;
	const siblings = new Map<string, number>();
	for (const struct of structs) {
		if (struct.id.clock + struct.length > Number.MAX_SAFE_INTEGER) throw new Refused('malformed');
		// GC (no log holds garbage-collected ranges: its items are all at the root) and Skip (a
		// gap: what follows could not be integrated and would be kept aside forever).
		if (!(struct instanceof Y.Item)) throw new Refused('not-a-log');
		// Yjs trusts that an item's neighbours by the same client came before it; one that
		// names itself or a later one makes Y.applyUpdate throw halfway through integrating.
		const { id, origin, rightOrigin } = struct;
		for (const neighbour of [origin, rightOrigin]) {
			if (neighbour !== null && neighbour.client === id.client && neighbour.clock >= id.clock) {
				throw new Refused('malformed');
			}
		}
		const { content, parentSub } = struct;
		// reason: decoded, not integrated, an item's parent is a root name, an id (a nested type)
		// or null (the parent of its origin), whatever Yjs's typings say.
		const parent: unknown = struct.parent;
		if (parentSub !== null || (parent !== null && parent !== LOG)) throw new Refused('not-a-log');
		if (rightOrigin !== null) throw new Refused('not-appended');
		// What the receiver already holds is not new: only the rest counts against its log.
		if (held !== undefined && id.clock + struct.length <= held.state(id.client)) continue;
		if (origin === null) {
			roots++;
			if (roots > (maxItems === Infinity ? MAX_LOG_ROOTS : MAX_ROOTS)) {
				throw new Refused('not-appended');
			}
			if (held !== undefined && held.roots + roots > MAX_LOG_ROOTS) {
				throw new Refused('not-appended');
			}
		} else {
			if (!inUpdate(origin) && ++branches > maxBranches) throw new Refused('not-appended');
			const key = `${origin.client}:${origin.clock}`;
			const after = (siblings.get(key) ?? held?.childrenOf(key) ?? 0) + 1;
			if (after > MAX_SIBLINGS) throw new Refused('not-appended');
			siblings.set(key, after);
		}
		if (content instanceof Y.ContentBinary) {
			if (content.content.length > MAX_ENTRY_BYTES) throw new Refused('entry-too-large');
			add(1, 1);
		} else if (content instanceof Y.ContentDeleted) add(0, 1);
		else throw new Refused('not-a-log');
	}
	for (const ranges of ds.clients.values()) {
		// As Yjs writes them: sorted, apart, none empty (Yjs throws re-encoding an empty one).
		let end = 0;
		for (const { clock, len } of ranges) {
			if (len < 1 || clock < end || clock + len > Number.MAX_SAFE_INTEGER) {
				throw new Refused('malformed');
			}
			end = clock + len;
		}
		add(0, ranges.length);
	}
	return count;
}

/**
 * Reads `update` as y-protocols awareness states (each JSON, an object or null), of a sane
 * number and size (every state is kept by y-webrtc and opened by the presence mirror); throws
 * otherwise. Returns each state's client id, clock and size.
 */
export function checkAwarenessUpdate(update: Uint8Array): AwarenessEntry[] {
	const decoder = decoding.createDecoder(update);
	const count = decoding.readVarUint(decoder);
	if (count > MAX_AWARENESS_STATES) throw new Refused('too-many-states');
	const states: AwarenessEntry[] = [];
	for (let i = 0; i < count; i++) {
		const client = decoding.readVarUint(decoder);
		const clock = decoding.readVarUint(decoder);
		// A clock grows by one per change: nothing honest comes near 2^32, and one near 2^53
		// would stop its owner's from growing (y-protocols adds one to the highest it saw).
		if (clock > MAX_AWARENESS_CLOCK) throw new Refused('malformed');
		const text = decoding.readVarString(decoder);
		if (text.length > MAX_AWARENESS_STATE_CHARS) throw new Refused('state-too-large');
		const state: unknown = JSON.parse(text);
		if (state !== null && (typeof state !== 'object' || Array.isArray(state))) {
			throw new Refused('bad-state');
		}
		states.push({ client, clock, chars: state === null ? 0 : text.length });
	}
	return states;
}
