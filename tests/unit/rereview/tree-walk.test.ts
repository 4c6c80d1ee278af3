// Re-review finding (critical): the append-shape caps bound roots, branches (origins outside the
// update) and siblings (items after one origin), but not *forks inside the update*. An item whose
// origin is an earlier item of the same update, one that already has descendants to its right,
// makes Yjs's YATA placement walk every one of those descendants (case 2 of the conflict loop:
// "its origin is in itemsBeforeOrigin"), with a getItem binary search per step. A chain D of L
// deleted runs (one branch: after the log's first entry), then, for j = J…1, `per` deleted runs
// by a larger client after D[j-1]: every one walks the rest of the chain and every run placed
// before it. No right origin, 1 branch, ≤ 32 siblings per origin, no entries, a few thousand
// structs (under MAX_LOG_STRUCTS; ~11 KB): accepted by PeerGuard.check as a plain update, and
// it costs seconds (2,500 structs ≈ 3 s; 9,000 ≈ 35 s; 16,000 ≈ 90 s measured). Suggested fix:
// count forks too — an item whose origin already has a child (in the update or the doc) — and
// cap them per message like branches (honest appends fork only where writers were concurrent),
// or bound the walk itself (e.g. a log with no order to place: entries keyed by envelope id).
import * as decoding from 'lib0/decoding';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createLogDoc, logArray } from '../../../src/lib/log/log-doc';
import { PeerGuard } from '../../../src/lib/sync/peer-guard';
import { asPeerUpdate, craftUpdate, type CraftItem } from '../review/craft';

/** The comb: a chain of `length` runs, then `per` runs after each of its first `forks` links. */
function comb(
	after: { client: number; clock: number },
	length: number,
	forks: number,
	per: number
) {
	const CHAIN = 1_000;
	const TEETH = 2_000; // larger than CHAIN: each tooth walks past the chain (YATA case 1)
	const items: CraftItem[] = [];
	for (let i = 0; i < length; i++) {
		items.push({
			client: CHAIN,
			clock: i,
			deleted: 1,
			origin: i === 0 ? after : { client: CHAIN, clock: i - 1 }
		});
	}
	let clock = 0;
	for (let j = forks; j >= 1; j--) {
		for (let k = 0; k < per; k++) {
			items.push({
				client: TEETH,
				clock: clock++,
				deleted: 1,
				origin: { client: CHAIN, clock: j - 1 }
			});
		}
	}
	return asPeerUpdate(craftUpdate(items));
}

// Now: an update holds at most MAX_UPDATE_ITEMS items (honest ones are one transaction: a few),
// so the comb is refused as an update; within the cap it costs a few ms. A whole history (the
// step 2 that answers our own step 1, at most once a minute per connection) can still hold a
// comb: a known limit until log epochs (docs/threat-model.md), measured by `npm run bench`.
describe('re-review: forks inside one update', () => {
	it('the comb is refused as an update, and the largest comb an update may hold is cheap', () => {
		const refused = comb({ client: 1, clock: 0 }, 400, 200, 8);
		expect(new PeerGuard().check(refused)).toEqual({ ok: false, reason: 'too-many-entries' });
		const victim = createLogDoc();
		logArray(victim).push([new Uint8Array([1, 2, 3])]);
		// 256 items: a chain of 128, then 16 teeth after each of its first 8 links (≤ 32 siblings).
		const message = comb({ client: victim.clientID, clock: 0 }, 128, 8, 16);
		expect(new PeerGuard().check(message)).toEqual({ ok: true });
		const decoder = decoding.createDecoder(message);
		decoding.readVarUint(decoder);
		decoding.readVarUint(decoder);
		const started = process.cpuUsage();
		Y.applyUpdate(victim, decoding.readVarUint8Array(decoder), 'network');
		const used = process.cpuUsage(started);
		const ms = (used.user + used.system) / 1_000;
		console.log(`${message.length} bytes, 256 structs: ${Math.round(ms)} ms of CPU to apply`);
		// A few ms; the bound only has to tell that from the seconds the comb cost before the
		// caps (this process's CPU time: a loaded machine's neighbours do not count).
		expect(ms).toBeLessThan(500);
	});
});
