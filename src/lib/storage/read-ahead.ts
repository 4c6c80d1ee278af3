// Starts reading a room's log at once, so the read overlaps whatever the caller does before it
// needs it (opening a space derives its keys meanwhile: tens of milliseconds of the main thread
// the database's own thread can spend reading a big log). The store it returns hands that read
// to the first `load()` of that room; everything else goes to the store as usual.
import type { Loaded, LogStore, StoredLog } from './log-store';

export function readAhead(
	store: LogStore,
	room: string
): LogStore & {
	/** The read is not wanted after all: the log it opened is closed. */ cancel(): void;
} {
	const early = store.open(room).then((log) => ({ log, loaded: log.load() }));
	// reason: a failure is reported by the load that takes it, not as an unhandled rejection.
	early.then((read) => read.loaded).catch(() => {});
	let taken = false;
	return {
		async open(name: string): Promise<StoredLog> {
			if (name !== room || taken) return store.open(name);
			taken = true;
			const { log, loaded } = await early;
			let first = true;
			return {
				room: log.room,
				get records() {
					return log.records;
				},
				load(): Promise<Loaded> {
					if (!first) return log.load();
					first = false;
					return loaded;
				},
				append: (update) => log.append(update),
				compact: (state) => log.compact(state),
				close: () => log.close()
			};
		},
		remove: (name) => store.remove(name),
		copy: (from, to) => store.copy(from, to),
		cancel() {
			if (taken) return;
			taken = true;
			early.then(({ log }) => log.close()).catch(() => {});
		}
	};
}
