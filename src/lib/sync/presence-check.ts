// Exact-shape checks for presence states. Whoever holds a view link writes presence, and the
// editor's caret plugin (y-prosemirror) reads it without checking: a caret whose positions are
// not Yjs relative positions made it throw on every remote change. So every field is checked to
// exactly the shape this app sends, and only a checked copy is ever handed on. Values that are
// harmless to normalise (a long name, an unknown colour) are normalised; wrong types are refused.
import { MAX_CLIENT_ID } from '../crypto/presence';

export interface PresenceUser {
	name: string;
	color: string;
}

/** A Yjs item id, as `Y.relativePositionToJSON` writes it. */
export interface IdJSON {
	client: number;
	clock: number;
}

/** A Yjs relative position, as `Y.relativePositionToJSON` writes it (absent keys left out). */
export interface RelativePositionJSON {
	type?: IdJSON;
	tname?: string;
	item?: IdJSON;
	assoc?: number;
}

export interface Cursor {
	anchor: RelativePositionJSON;
	head: RelativePositionJSON;
}

export interface PresenceState {
	user: PresenceUser;
	page: string | null;
	role: 'edit' | 'view';
	/** This browser's tag for the state's client id (crypto/presence.deviceTag). */
	device?: string;
	cursor?: Cursor | null;
}

/** What a sealed state holds: a presence state, the client id it is for, and when it was sealed. */
export interface SealedPresence {
	state: PresenceState;
	/** The y-protocols awareness client id this state is for. */
	id: number;
	/** The sender's clock when sealing, in milliseconds since the epoch. */
	t: number;
}

export const MAX_NAME = 40;
/** Yjs names root types with short strings; this app's bodies are never roots. */
export const MAX_TNAME = 64;
/** Yjs writes assoc as a signed varint; y-prosemirror uses -1 and 0. */
const MAX_ASSOC = 2 ** 31;
const COLOR = /^#[0-9a-f]{6}$/i;
export const FALLBACK_COLOR = '#8a8f98';
const PAGE = /^[A-Za-z0-9_-]{1,64}$/;
const DEVICE = /^[0-9a-f]{16}$/;

type Fields = Record<string, unknown>;

function isRecord(value: unknown): value is Fields {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every own key of `value` is one of `allowed`. */
function onlyKeys(value: Fields, allowed: readonly string[]): boolean {
	return Object.keys(value).every((key) => allowed.includes(key));
}

export const isClientId = (value: unknown): value is number =>
	Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= MAX_CLIENT_ID;

const isClock = (value: unknown): value is number =>
	Number.isSafeInteger(value) && (value as number) >= 0;

function checkId(value: unknown): IdJSON | null {
	if (!isRecord(value) || !onlyKeys(value, ['client', 'clock'])) return null;
	const { client, clock } = value;
	return isClientId(client) && isClock(clock) ? { client, clock } : null;
}

/**
 * A relative position exactly as Yjs writes it: only `type`, `tname`, `item` and `assoc`; ids
 * are `{client, clock}` with a 32-bit client and a safe clock; `tname` a short string; `assoc`
 * an integer. Keys may be absent or null (what JSON.stringify makes of a RelativePosition
 * object). One of `type`/`tname`, or `item`, must be there, and not both `type` and `tname`:
 * Yjs throws on a position with none, which is how a caret froze editors.
 */
export function checkRelativePosition(value: unknown): RelativePositionJSON | null {
	if (!isRecord(value) || !onlyKeys(value, ['type', 'tname', 'item', 'assoc'])) return null;
	const out: RelativePositionJSON = {};
	if (value.type != null) {
		const type = checkId(value.type);
		if (type === null) return null;
		out.type = type;
	}
	if (value.tname != null) {
		const { tname } = value;
		if (typeof tname !== 'string' || tname.length === 0 || tname.length > MAX_TNAME) return null;
		out.tname = tname;
	}
	if (value.item != null) {
		const item = checkId(value.item);
		if (item === null) return null;
		out.item = item;
	}
	if (value.assoc != null) {
		const { assoc } = value;
		if (!Number.isSafeInteger(assoc) || Math.abs(assoc as number) > MAX_ASSOC) return null;
		out.assoc = assoc as number;
	}
	if (out.type !== undefined && out.tname !== undefined) return null;
	if (out.type === undefined && out.tname === undefined && out.item === undefined) return null;
	return out;
}

/** `{anchor, head}`, both relative positions, and nothing else. */
export function checkCursor(value: unknown): Cursor | null {
	if (!isRecord(value) || !onlyKeys(value, ['anchor', 'head'])) return null;
	const anchor = checkRelativePosition(value.anchor);
	const head = checkRelativePosition(value.head);
	return anchor === null || head === null ? null : { anchor, head };
}

/**
 * A checked copy of a presence state, or null. `user` must be `{name, color}` strings (the name
 * is trimmed and cut to 40 characters, a colour that is not `#rrggbb` becomes grey); `role`
 * exactly "edit" or "view"; `page` null or a page id; `device` 16 hex digits. A cursor of the
 * wrong shape is left out and the rest kept: the person is still here, their caret is not drawn.
 * Other keys are not copied.
 */
export function checkPresence(value: unknown): PresenceState | null {
	if (!isRecord(value)) return null;
	const { user, page = null, role, device, cursor } = value;
	if (!isRecord(user) || typeof user.name !== 'string' || typeof user.color !== 'string') {
		return null;
	}
	if (role !== 'edit' && role !== 'view') return null;
	if (page !== null && (typeof page !== 'string' || !PAGE.test(page))) return null;
	if (device !== undefined && (typeof device !== 'string' || !DEVICE.test(device))) return null;
	const state: PresenceState = {
		user: {
			name: cutName(user.name),
			color: COLOR.test(user.color) ? user.color : FALLBACK_COLOR
		},
		page,
		role
	};
	if (device !== undefined) state.device = device;
	if (cursor != null) {
		const checked = checkCursor(cursor);
		if (checked !== null) state.cursor = checked;
	}
	return state;
}

/**
 * Trimmed and cut to MAX_NAME code points (never half a surrogate pair), and trimmed again, so
 * that checking a checked name changes nothing.
 */
function cutName(name: string): string {
	return [...name.trim()].slice(0, MAX_NAME).join('').trim() || 'Someone';
}

/** A checked copy of an opened sealed state: a presence state with its client id and time. */
export function checkSealedPresence(value: unknown): SealedPresence | null {
	const state = checkPresence(value);
	if (state === null || !isRecord(value)) return null;
	const { id, t } = value;
	if (!isClientId(id) || !isClock(t)) return null;
	return { state, id, t };
}
