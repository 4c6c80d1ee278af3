// Warnings about what strangers send, without letting them flood the console: each distinct
// message is written at most once per period (every drop is still counted where it happens,
// and shown in the sync panel). A stranger can send thousands of junk messages a second.

/** A `console.warn` that writes each distinct message at most once per `periodMs`. */
export function quietWarn(periodMs = 60_000, now: () => number = Date.now) {
	const last = new Map<string, number>();
	return (message: string): void => {
		const at = now();
		const before = last.get(message);
		if (before !== undefined && at - before < periodMs) return;
		// Messages are a handful of fixed sentences with a reason code; bound it anyway.
		if (last.size >= 256) last.clear();
		last.set(message, at);
		console.warn(message);
	};
}
