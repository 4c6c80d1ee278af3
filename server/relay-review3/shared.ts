// Shared helpers for this review's presence tests (not a test file itself): a member of a space
// as the app wires it (log doc, sealed Presence, RelaySession carrying that presence) talking to
// an in-process relay, and awareness updates as an attacker writes them (raw bytes).
import * as encoding from 'lib0/encoding';
import * as capability from '../../src/lib/crypto/capability';
import { createLogDoc } from '../../src/lib/log/log-doc';
import { Presence } from '../../src/lib/sync/presence';
import { RelaySession } from '../../src/lib/sync/relay-session';
import * as Y from 'yjs';
import type { Relay } from '../relay';
import { cleanup } from '../relay-review/harness';

/** A member with the read key: its own Presence, carried through `relay` by a RelaySession. */
export function presenceMember(
	relay: Relay,
	cap: capability.EditCapability,
	name: string,
	address = '198.51.100.8'
) {
	let closed = false;
	let toRelay: ((bytes: Uint8Array) => void) | null = null;
	const log = createLogDoc();
	const presence = new Presence(log, new Y.Doc(), cap.readKey);
	presence.setLocal({ user: { name, color: '#123456' }, page: 'home', role: 'edit' });
	const dropped: string[] = [];
	const session = new RelaySession({
		log,
		cap: capability.toRelay(cap),
		keep: true,
		send: (bytes) => queueMicrotask(() => !closed && toRelay?.(bytes)),
		awareness: presence.sealed
	});
	session.on('dropped', (reason) => dropped.push(reason));
	const side = relay.connect(
		{
			send: (bytes) => queueMicrotask(() => !closed && session.receive(bytes)),
			close: () => queueMicrotask(() => (closed = true))
		},
		address
	);
	toRelay = side.receive;
	const close = () => {
		if (closed) return;
		closed = true;
		side.close();
		session.destroy();
		presence.destroy();
	};
	cleanup.push(close);
	/** What this member shows of the person called `who` (null: not shown). */
	const sees = (who: string) => presence.peers().find((peer) => peer.user.name === who) ?? null;
	return { log, presence, session, dropped, sees, close };
}

/** A y-protocols awareness update, written by hand: [client id, clock, JSON text] each. */
export function awarenessUpdate(states: Array<[number, number, string]>): Uint8Array {
	const encoder = encoding.createEncoder();
	encoding.writeVarUint(encoder, states.length);
	for (const [client, clock, json] of states) {
		encoding.writeVarUint(encoder, client);
		encoding.writeVarUint(encoder, clock);
		encoding.writeVarString(encoder, json);
	}
	return encoding.toUint8Array(encoder);
}

/** A y-webrtc awareness message (type 1) around `update`: what a PRESENCE frame carries. */
export function awarenessMessage(update: Uint8Array): Uint8Array {
	const encoder = encoding.createEncoder();
	encoding.writeVarUint(encoder, 1);
	encoding.writeVarUint8Array(encoder, update);
	return encoding.toUint8Array(encoder);
}
