// Hand-made Yjs v1 updates for the log doc, with item ids of the attacker's choosing. Anyone with
// the relay key can send these: Yjs items are not signed, so nothing binds an item id to the
// peer that wrote it. Used by the review's attack tests.
import * as encoding from 'lib0/encoding';
import { syncMessage, SYNC } from '../../adversary/peer';

export type CraftItem = (
	| { client: number; clock: number; binary: Uint8Array }
	| { client: number; clock: number; deleted: number }
	| { client: number; clock: number; any: unknown[] }
) & { origin?: { client: number; clock: number } };

/** The item's origin, or its parent by name when it has none. */
function writeWhere(encoder: encoding.Encoder, ref: number, item: CraftItem) {
	if (item.origin === undefined) {
		encoding.writeUint8(encoder, ref);
		encoding.writeVarUint(encoder, 1);
		encoding.writeVarString(encoder, 'log');
	} else {
		encoding.writeUint8(encoder, ref | 0x80);
		encoding.writeVarUint(encoder, item.origin.client);
		encoding.writeVarUint(encoder, item.origin.clock);
	}
}

export interface CraftRange {
	client: number;
	clock: number;
	len: number;
}

const CONTENT_DELETED = 1;
const CONTENT_BINARY = 3;
const CONTENT_ANY = 8;

/**
 * A Yjs v1 update: each item a root-level child of the array `log` (after `origin`, or with no
 * origin: parent by key),
 * then a delete set. Items of one client must be given in clock order, without gaps if they
 * are to integrate at once.
 */
export function craftUpdate(items: CraftItem[], deletes: CraftRange[] = []): Uint8Array {
	const encoder = encoding.createEncoder();
	const byClient = new Map<number, CraftItem[]>();
	for (const item of items) {
		const list = byClient.get(item.client) ?? [];
		list.push(item);
		byClient.set(item.client, list);
	}
	encoding.writeVarUint(encoder, byClient.size);
	for (const [client, list] of [...byClient].sort((a, b) => b[0] - a[0])) {
		encoding.writeVarUint(encoder, list.length);
		encoding.writeVarUint(encoder, client);
		encoding.writeVarUint(encoder, (list[0] as CraftItem).clock);
		for (const item of list) {
			if ('binary' in item) {
				writeWhere(encoder, CONTENT_BINARY, item);
				encoding.writeVarUint8Array(encoder, item.binary);
			} else if ('deleted' in item) {
				writeWhere(encoder, CONTENT_DELETED, item);
				encoding.writeVarUint(encoder, item.deleted);
			} else {
				writeWhere(encoder, CONTENT_ANY, item);
				encoding.writeVarUint(encoder, item.any.length);
				for (const value of item.any) encoding.writeAny(encoder, value as never);
			}
		}
	}
	const dsByClient = new Map<number, CraftRange[]>();
	for (const range of deletes) {
		const list = dsByClient.get(range.client) ?? [];
		list.push(range);
		dsByClient.set(range.client, list);
	}
	encoding.writeVarUint(encoder, dsByClient.size);
	for (const [client, list] of dsByClient) {
		encoding.writeVarUint(encoder, client);
		encoding.writeVarUint(encoder, list.length);
		for (const { clock, len } of list.sort((a, b) => a.clock - b.clock)) {
			encoding.writeVarUint(encoder, clock);
			encoding.writeVarUint(encoder, len);
		}
	}
	return encoding.toUint8Array(encoder);
}

/** The update as a y-webrtc peer message (sync, update). */
export const asPeerUpdate = (update: Uint8Array): Uint8Array => syncMessage(SYNC.update, update);
/** The update as a y-webrtc sync step 2. */
export const asStep2 = (update: Uint8Array): Uint8Array => syncMessage(SYNC.step2, update);

/**
 * Deleted runs under clients `first`, `first + 1`…: `branches` of them right after `origin`
 * (an item already in the log), the rest each after the one before (a chain, as appends are).
 */
/** (A Yjs update: wrap it with asPeerUpdate or asStep2.) */
export function runsAfter(
	origin: { client: number; clock: number },
	first: number,
	count: number,
	branches: number
): Uint8Array {
	const encoder = encoding.createEncoder();
	encoding.writeVarUint(encoder, count);
	for (let i = count - 1; i >= 0; i--) {
		encoding.writeVarUint(encoder, 1);
		encoding.writeVarUint(encoder, first + i);
		encoding.writeVarUint(encoder, 0);
		encoding.writeUint8(encoder, 1 | 0x80); // deleted, with an origin
		const after = i < branches ? origin : { client: first + i - 1, clock: 0 };
		encoding.writeVarUint(encoder, after.client);
		encoding.writeVarUint(encoder, after.clock);
		encoding.writeVarUint(encoder, 1);
	}
	encoding.writeVarUint(encoder, 0);
	return encoding.toUint8Array(encoder);
}
