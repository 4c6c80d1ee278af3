// Review finding: compaction waits for an idle moment, and every verified entry that arrives —
// a replayed copy of any old envelope included — restarts that wait (Bridge#scheduleCompaction
// clears and re-arms the idle timer). A peer with the relay key that replays one envelope
// (a few hundred bytes, removed again as an extra copy) every idleMs - ε keeps every editor
// from ever compacting. The log then grows with every edit until a whole-space sync carries
// more than MAX_LOG_ENTRIES (5,000) and newcomers refuse it: the space can no longer be joined.
// Fails today.
import { describe, expect, it } from 'vitest';
import * as capability from '../../../src/lib/crypto/capability';
import { signingKeys } from '../../../src/lib/crypto/signing';
import * as pages from '../../../src/lib/doc/pages';
import { createContentDoc } from '../../../src/lib/doc/schema';
import { Bridge } from '../../../src/lib/log/bridge';
import { createLogDoc, logArray } from '../../../src/lib/log/log-doc';
import * as hostile from '../../adversary/log';

describe('review: compaction can be starved (relay key only)', () => {
	it('an editor compacts a long log even while someone replays one old envelope now and then', async () => {
		const cap = capability.fromSecret(capability.newSecret());
		const content = createContentDoc();
		const log = createLogDoc();
		const idleMs = 300;
		const bridge = await Bridge.create({
			content,
			log,
			cap,
			...(await signingKeys(cap)),
			coalesceMs: 1,
			idleMs,
			pauseMs: [0, 20],
			repairMs: 20,
			compactAt: { entries: 10, bytes: 1 << 30 }
		});
		for (let i = 0; i < 20; i++) {
			pages.createPage(content, { title: `page ${i}` });
			await bridge.flush();
		}
		await bridge.settled();
		const attacker = createLogDoc();
		hostile.link(log, attacker);
		const old = hostile.entries(attacker)[0] as Uint8Array;
		// One replayed copy every 0.8 × idleMs, for ~10 idle periods.
		const timer = setInterval(() => logArray(attacker).push([old]), idleMs * 0.8);
		await new Promise((resolve) => setTimeout(resolve, idleMs * 10));
		clearInterval(timer);
		await bridge.settled();
		const compactions = bridge.stats.compactions;
		const size = bridge.guard.size;
		bridge.destroy();
		expect({ compactions, size }).toEqual({ compactions: 1, size: expect.any(Number) });
	});
});
