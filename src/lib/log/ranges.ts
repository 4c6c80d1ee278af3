// Which parts of the content doc a log entry carries, as clock ranges per Yjs client. An editor
// uses them to tell whether the live log still holds everything its content doc holds (see
// Bridge's repair): a state vector alone cannot say, because an entry may be missing from the
// middle of a client's history.
import * as Y from 'yjs';
import type { StateVector } from '../crypto/envelope';

/** client → sorted, disjoint [from, to) clock ranges. */
export type Ranges = Map<number, Array<[number, number]>>;

/** The ranges of decoded structs (`Y.decodeUpdate(u).structs`); skipped gaps are not held. */
export function ofStructs(structs: ReadonlyArray<Y.Item | Y.GC | Y.Skip>): Ranges {
	const out: Ranges = new Map();
	for (const struct of structs) {
		if (struct instanceof Y.Skip) continue;
		add(out, struct.id.client, struct.id.clock, struct.id.clock + struct.length);
	}
	return out;
}

export function ofUpdate(update: Uint8Array): Ranges {
	return ofStructs(Y.decodeUpdate(update).structs);
}

/** Everything below a state vector (a full snapshot holds exactly that). */
export function ofVector(vector: StateVector): Ranges {
	const out: Ranges = new Map();
	for (const [client, clock] of vector) if (clock > 0) out.set(client, [[0, clock]]);
	return out;
}

function add(out: Ranges, client: number, from: number, to: number) {
	const list = out.get(client);
	if (list === undefined) {
		out.set(client, [[from, to]]);
		return;
	}
	const last = list[list.length - 1] as [number, number];
	// Structs of one client come in clock order in an update: extend or append.
	if (from <= last[1] && from >= last[0]) last[1] = Math.max(last[1], to);
	else list.push([from, to]);
}

/**
 * Where the held ranges first fall short of `content`, as a state vector to encode the missing
 * part from (`Y.encodeStateAsUpdate(doc, vector)`): each client's first uncovered clock, or
 * its full clock when nothing is missing. Null when nothing is missing at all.
 */
export function missingFrom(content: StateVector, held: Iterable<Ranges>): StateVector | null {
	const byClient = new Map<number, Array<[number, number]>>();
	for (const ranges of held) {
		for (const [client, list] of ranges) {
			if (!content.has(client)) continue;
			let all = byClient.get(client);
			if (all === undefined) byClient.set(client, (all = []));
			for (const range of list) all.push(range);
		}
	}
	const from: StateVector = new Map();
	let missing = false;
	for (const [client, clock] of content) {
		const all = (byClient.get(client) ?? []).sort((a, b) => a[0] - b[0]);
		let reach = 0;
		for (const [start, end] of all) {
			if (start > reach) break;
			reach = Math.max(reach, end);
		}
		if (reach < clock) {
			missing = true;
			from.set(client, reach);
		} else from.set(client, clock);
	}
	return missing ? from : null;
}
