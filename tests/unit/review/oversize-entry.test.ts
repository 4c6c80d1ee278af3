// Review finding (low/medium): the peer-message check counts entries and structs, not bytes. An
// entry larger than MAX_ENVELOPE_BYTES (64 MiB) can never verify, yet a peer update carrying one
// (up to the framing's 256 MiB) is accepted, applied to the log doc, written to IndexedDB
// (persist stores every update) and re-broadcast by y-webrtc to every connected peer — each of
// which does the same — before the guard removes it as junk. One upload of 256 MiB costs the
// mesh 256 MiB per connection and a 256 MiB IndexedDB write per peer. Fails today.
import { describe, expect, it } from 'vitest';
import * as envelope from '../../../src/lib/crypto/envelope';
import { checkPeerMessage } from '../../../src/lib/sync/peer-message';
import { asPeerUpdate, craftUpdate } from './craft';

describe('review: bytes per peer update', () => {
	it('refuses an update whose entry is bigger than any envelope can be', () => {
		const huge = new Uint8Array(envelope.MAX_ENVELOPE_BYTES + 1);
		const message = asPeerUpdate(craftUpdate([{ client: 7, clock: 0, binary: huge }]));
		expect(checkPeerMessage(message).ok).toBe(false);
	});
});
