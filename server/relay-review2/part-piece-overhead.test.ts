// A hostile relay makes a client hold ~200 bytes of memory for every byte it sends in PARTs.
//
// PartAssembler (src/lib/sync/relay-wire.ts) keeps every piece as it came: a view into the
// WebSocket message it arrived in, pushed on an array, concatenated only once the frame is
// whole. A piece may be 1 byte and `total` 64 MiB, so a relay that sends 1-byte pieces makes
// the client keep one typed array (and the ArrayBuffer of its message) per byte: measured here,
// ~200 bytes of heap per byte received, so the 64 MiB a frame may hold costs gigabytes and the
// tab dies long before. protocol.md ("Parts"): the client "keeps only the bytes that arrived,
// whatever total announces"; the commit: "reassembles them with bounded memory". The WebRTC
// framing (chunked-channel.ts) keeps this property by copying parts into one buffer that
// doubles, never past what arrived; threat model #4 ("memory bombs") rests on it.
//
// Who: any relay in the space's list (relays are untrusted). The 30 s stall limit does not help:
// the pieces keep coming.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import * as capability from '../../src/lib/crypto/capability';
import { createLogDoc } from '../../src/lib/log/log-doc';
import { RelaySession } from '../../src/lib/sync/relay-session';
import { encodeFrame, FRAME, MAX_FRAME_BYTES } from '../../src/lib/sync/relay-wire';
import { cleanup, runCleanup } from '../relay-review/harness';

afterEach(runCleanup);

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function retained(): number {
	gc();
	const usage = process.memoryUsage();
	return usage.heapUsed + usage.arrayBuffers;
}

describe('PART reassembly', () => {
	it('holds memory in proportion to the bytes that arrived, not to the number of pieces', () => {
		const cap = capability.toRelay(capability.fromSecret(capability.newSecret()));
		const session = new RelaySession({ log: createLogDoc(), cap, keep: false, send: () => {} });
		cleanup.push(() => session.destroy());
		let progress: { received: number; total: number } | null = null;
		session.on('receiving', (p) => (progress = p));

		const pieces = 300_000;
		const before = retained();
		for (let i = 0; i < pieces; i++) {
			// As a WebSocket hands it over: a message of its own, in an ArrayBuffer of its own.
			const frame = encodeFrame({
				type: FRAME.part,
				total: MAX_FRAME_BYTES,
				bytes: new Uint8Array([i & 0xff])
			});
			session.receive(new Uint8Array(frame.slice().buffer));
		}
		const grown = retained() - before;
		// Progress is reported once per 64 KiB (after the fix): the last report is within that.
		expect(progress).toEqual({ received: pieces - (pieces % (64 * 1024)), total: MAX_FRAME_BYTES });

		// A buffer that grows by doubling holds at most twice what arrived; allow 16x and 4 MiB.
		expect(grown).toBeLessThan(16 * pieces + 4 * 1024 * 1024); // fails: ~60 MB for 300 KB
	}, 20_000);
});
