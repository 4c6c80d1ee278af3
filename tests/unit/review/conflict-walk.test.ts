// Review finding: one hostile message could hold a tab's main thread for tens of seconds. Yjs
// places an item with no origin (or after an item far back) by walking every item after that
// spot that conflicts with it (YATA), deleted ones included: deleted items stay in the list
// forever. 10,000 deleted runs at the start of the log under client ids 100…10,099, then
// 10,000 more under larger ids: the second cost 10,000 × 10,000 steps (20+ s). Honest peers
// only append, so an update's items may have no right origin, at most MAX_ROOTS no origin, at
// most MAX_BRANCHES an origin outside the update and MAX_SIBLINGS the same origin: such
// messages are refused, and what is left costs a walk of the log per branch, not per item.
import * as decoding from 'lib0/decoding';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createLogDoc, logArray } from '../../../src/lib/log/log-doc';
import { checkPeerMessage, MAX_BRANCHES, MAX_SIBLINGS } from '../../../src/lib/sync/peer-message';
import { asStep2, craftUpdate, runsAfter } from './craft';

/**
 * Applied as y-webrtc does if the check accepts it, as the answer to a step 1 we sent (updates
 * may hold only MAX_UPDATE_ITEMS items; a history arrives so): CPU milliseconds, or the refusal.
 */
function deliver(message: Uint8Array, log: Y.Doc): number | string {
	const checked = checkPeerMessage(message, true);
	if (!checked.ok) return checked.reason;
	const decoder = decoding.createDecoder(message);
	decoding.readVarUint(decoder);
	decoding.readVarUint(decoder);
	const started = process.cpuUsage();
	Y.applyUpdate(log, decoding.readVarUint8Array(decoder), 'network');
	const used = process.cpuUsage(started);
	return (used.user + used.system) / 1_000;
}

const runsAtStart = (firstClient: number, count: number) =>
	asStep2(
		craftUpdate(
			Array.from({ length: count }, (_, i) => ({ client: firstClient + i, clock: 0, deleted: 1 }))
		)
	);

describe('review: the cost of one message depends on what earlier ones left', () => {
	it('items at the start of the log are refused', () => {
		const victim = createLogDoc();
		logArray(victim).push([new Uint8Array([1, 2, 3])]);
		expect(deliver(runsAtStart(100, 4_000), victim)).toBe('not-appended');
	});

	it('a message within the caps costs at most ~100 ms to apply, whatever came before', () => {
		const victim = createLogDoc();
		logArray(victim).push([new Uint8Array([1, 2, 3])]);
		const first = { client: victim.clientID, clock: 0 };
		// Too many after one item: refused.
		expect(deliver(asStep2(runsAfter(first, 100, 4_000, MAX_SIBLINGS + 1)), victim)).toBe(
			'not-appended'
		);
		expect(MAX_SIBLINGS).toBeLessThan(4_000);
		// Chains after the first entry, each as long as the caps allow: accepted, each a walk.
		const costs: number[] = [];
		for (let m = 0; m < 6; m++) {
			const cost = deliver(
				asStep2(runsAfter(first, 1_000_000 * (m + 1), 4_000, MAX_BRANCHES)),
				victim
			);
			expect(typeof cost, String(cost)).toBe('number');
			costs.push(Math.round(cost as number));
		}
		console.log('CPU ms per message:', costs);
		// Bound for a loaded machine; the target is well under 100 ms.
		for (const cost of costs) expect(cost).toBeLessThan(500);
	}, 120_000);
});
