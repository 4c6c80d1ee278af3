// How many spaces each address has asked one relay process to keep lately (KEEP_WINDOW_MS), in
// memory: the embedded store's half of KeptSpaces.add. A relay service of several nodes counts
// in Redis instead (redis-log-store.ts), under a keyed hash of the address.

/** How long a space an address asked to have kept counts against it. */
export const KEEP_WINDOW_MS = 24 * 60 * 60 * 1000;

/**
 * What the keep quota counts an address under (given gate.js's addressKey): IPv4 as is, IPv6 by
 * /48 rather than /64 — a home or an office is usually given a /56 or a /48, so counting /64s
 * would hand one customer hundreds or thousands of quotas.
 */
export function keepQuotaKey(address: string): string {
	const v6 = /^([0-9a-f]{1,4}):([0-9a-f]{1,4}):([0-9a-f]{1,4}):[0-9a-f]{1,4}::\/64$/.exec(address);
	return v6 === null ? address : `${v6[1]}:${v6[2]}:${v6[3]}::/48`;
}

/** Expired counts are swept out at most this often, so the map holds only recent addresses. */
const SWEEP_EVERY_MS = 60_000;

export class KeepCounts {
	readonly #counts = new Map<string, { count: number; until: number }>();
	#sweptAt = 0;

	/** Counts one more space for `address`, unless it already has `max`: whether it was counted. */
	take(address: string, max: number, now = Date.now()): boolean {
		this.#sweep(now);
		const entry = this.#counts.get(address);
		if (entry === undefined || entry.until <= now) {
			if (max < 1) return false;
			this.#counts.set(address, { count: 1, until: now + KEEP_WINDOW_MS });
			return true;
		}
		if (entry.count >= max) return false;
		entry.count++;
		return true;
	}

	/** Takes back a count whose space was not kept after all (its write failed). */
	giveBack(address: string): void {
		const entry = this.#counts.get(address);
		if (entry !== undefined && entry.count > 0) entry.count--;
	}

	#sweep(now: number) {
		if (now - this.#sweptAt < SWEEP_EVERY_MS) return;
		this.#sweptAt = now;
		for (const [address, entry] of this.#counts) {
			if (entry.until <= now) this.#counts.delete(address);
		}
	}
}
