// Review finding: the per-connection presence caps (256 states, 1 MiB) count states that are
// present; a null state "frees its slot". But the receiver keeps, for every client id it ever
// accepted, its last sealed text and state (Presence#accepted) and y-protocols' meta, for five
// minutes after it left. A viewer (it can seal states) that announces 256 fresh people of ~4 KB
// and removes them again, in a loop, stays within every cap while the receiving tab's memory
// grows by ~1 MiB per round, as fast as it can send, for five minutes. Fails today.
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import { PeerGuard } from '../../../src/lib/sync/peer-guard';
import { MAX_STATES, Presence } from '../../../src/lib/sync/presence';
import { awarenessMessage, awarenessUpdate } from '../../adversary/peer';
import { honestState, sealed } from '../../adversary/presence';

describe('review: presence churn (view link)', () => {
	it('what a receiver keeps about people who came and went stays bounded', () => {
		const key = nacl.randomBytes(32);
		const now = 1_750_000_000_000;
		const presence = new Presence(new Y.Doc(), new Y.Doc(), key, { now: () => now });
		const guard = new PeerGuard(() => now);
		const pad = 'x'.repeat(2_800); // ignored by receivers, kept in the sealed text
		let refused = 0;
		const rounds = 20;
		for (let round = 0; round < rounds; round++) {
			const ids = Array.from({ length: 256 }, (_, i) => 10_000 + round * 256 + i);
			const arrive = awarenessUpdate(
				ids.map((id) => ({
					client: id,
					clock: 1,
					json: JSON.stringify(sealed(key, { ...honestState(id, now), pad }))
				}))
			);
			const leave = awarenessUpdate(ids.map((id) => ({ client: id, clock: 2, json: null })));
			for (const update of [arrive, leave]) {
				if (!guard.check(awarenessMessage(update)).ok) refused++;
				else awarenessProtocol.applyAwarenessUpdate(presence.sealed, update, 'remote');
			}
		}
		const kept = presence.sealed.meta.size;
		presence.destroy();
		expect(refused, 'the per-connection guard let every message through').toBe(0);
		// 5,120 departed people (~20 MiB of sealed text) held for 5 minutes; bound: MAX_STATES.
		expect(kept).toBeLessThanOrEqual(2 * MAX_STATES);
	});
});
