// Helpers for review 5 (not a test file itself). Nodes come from ../relay-review4/shared.ts.
import { Redis } from 'ioredis';
import { cleanup, tick } from '../relay-review/harness';

/** The client ids Redis has now. */
export async function clientIds(admin: Redis): Promise<Array<{ id: number; sub: number }>> {
	const list = (await admin.client('LIST')) as string;
	return list
		.trim()
		.split('\n')
		.map((line) => ({
			id: Number(/\bid=(\d+)/.exec(line)?.[1]),
			sub: Number(/\bsub=(\d+)/.exec(line)?.[1])
		}));
}

/**
 * Keeps one connection away (a blink of one node's bus publisher: `timeout`, a proxy, a network
 * hiccup): every connection not in `spare` is killed as soon as it appears, until `stop()`.
 */
export function keepAway(admin: Redis, spare: Set<number>) {
	let running = true;
	let kills = 0;
	const loop = (async () => {
		while (running) {
			for (const { id } of await clientIds(admin)) {
				if (!spare.has(id)) {
					await admin.client('KILL', 'ID', String(id)).catch(() => 0);
					kills++;
				}
			}
			await tick(2);
		}
	})();
	const stop = async () => {
		running = false;
		await loop;
		return kills;
	};
	cleanup.push(stop);
	return { stop };
}
