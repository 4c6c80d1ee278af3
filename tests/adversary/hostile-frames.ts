// Seeded hostile signaling frames for fuzzing a signaling server: the same frames for a seed on
// every machine, most of them small, now and then the largest and deepest a server must survive.

type Message = Record<string, unknown>;

/** mulberry32: small, fast, and the same sequence for a seed on every machine. */
export function prng(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

export interface HostileFrame {
	/** What kind of hostility, for counting. */
	kind: string;
	data: string | Buffer;
	binary: boolean;
}

const TYPES = ['subscribe', 'unsubscribe', 'publish', 'ping', 'pong', 'PUBLISH', 'publish ', ''];
const ODD_TYPES = ['announce', 'signal', '__proto__', 'constructor', 'toString', 'x'.repeat(5000)];
const HUGE = 'x'.repeat(300 * 1024);
const WEIRD: unknown[] = [
	null,
	true,
	false,
	0,
	-1,
	1.5,
	1e308,
	'',
	'x',
	'x'.repeat(300),
	[],
	{},
	[null],
	[[]],
	{ a: 1 },
	'__proto__',
	'constructor',
	'hasOwnProperty',
	'\u0000',
	'\ud800',
	['publish'],
	{ type: 'publish' }
];

/**
 * `count` hostile signaling frames from `seed`: random bytes, binary frames, random and truncated
 * JSON, nesting up to 100,000 deep, frames over any sane size, every field of every message type
 * with the wrong type, unknown types, topic lists of up to 20,000 entries, JSON tricks (duplicate
 * keys, `__proto__`, a byte-order mark) and well-formed messages for `topics` in between.
 */
export function* hostileFrames(
	seed: number,
	count: number,
	topics: string[] = ['t']
): Generator<HostileFrame> {
	const random = prng(seed);
	const int = (max: number) => Math.floor(random() * max);
	const pick = <T>(list: readonly T[]): T => list[int(list.length)] as T;
	const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));
	// Sizes spread evenly over orders of magnitude: mostly small, now and then the largest.
	const logUniform = (min: number, max: number) => Math.floor(min * (max / min) ** random());
	const topic = () => (random() < 0.5 ? pick(topics) : `topic-${int(50)}`);
	const valid = (): Message => {
		const type = pick(['subscribe', 'unsubscribe', 'publish', 'ping']);
		if (type === 'ping') return { type };
		if (type === 'publish') return { type, topic: topic(), data: { type: 'signal', n: int(1e6) } };
		return { type, topics: [topic(), topic()] };
	};
	const text = (kind: string, data: string): HostileFrame => ({ kind, data, binary: false });
	const kinds: Array<[number, () => HostileFrame]> = [
		[15, () => text('valid', JSON.stringify(valid()))],
		[10, () => ({ kind: 'random-binary', data: bytes(int(512)), binary: true })],
		[
			2,
			() => ({ kind: 'json-as-binary', data: Buffer.from(JSON.stringify(valid())), binary: true })
		],
		// Mostly invalid UTF-8 in a text frame: the WebSocket layer closes the sender (1007).
		[1, () => ({ kind: 'random-text-bytes', data: bytes(1 + int(64)), binary: false })],
		[
			10,
			() => {
				const alphabet = [...'{}[]":,0123456789.-+eEtruefalsnul\\ \n'];
				const length = int(300);
				return text('random-json-ish', Array.from({ length }, () => pick(alphabet)).join(''));
			}
		],
		[
			10,
			() => {
				const whole = JSON.stringify(valid());
				return text('truncated', whole.slice(0, int(whole.length)));
			}
		],
		[
			8,
			() => {
				const depth = logUniform(17, 100_000);
				const shape = int(4);
				if (shape === 0) return text('deep', '['.repeat(depth) + ']'.repeat(depth));
				if (shape === 1) return text('deep-unclosed', '['.repeat(depth));
				const nested = '['.repeat(depth) + ']'.repeat(depth);
				const field = shape === 2 ? 'data' : 'topics';
				const type = shape === 2 ? 'publish' : 'subscribe';
				return text('deep-field', `{"type":"${type}","topic":"${topic()}","${field}":${nested}}`);
			}
		],
		[
			20,
			() => {
				const message: Record<string, unknown> = { type: pick([...TYPES, ...ODD_TYPES]) };
				if (random() < 0.8) message.topic = pick(WEIRD);
				if (random() < 0.8)
					message.topics = random() < 0.5 ? pick(WEIRD) : [pick(WEIRD), pick(WEIRD)];
				if (random() < 0.8) message.data = pick(WEIRD);
				if (random() < 0.3) message.clients = pick(WEIRD);
				return text('wrong-types', JSON.stringify(message));
			}
		],
		[
			8,
			() =>
				text(
					'unknown-type',
					JSON.stringify({ type: `type-${int(1000)}`, topic: topic(), data: pick(WEIRD) })
				)
		],
		[
			4,
			() => {
				const list: unknown[] = Array.from({ length: logUniform(1, 20_000) }, (_, i) => `h${i}`);
				for (let k = int(10); k > 0; k--) list[int(list.length)] = pick(WEIRD);
				const type = pick(['subscribe', 'unsubscribe']);
				return text('huge-topics', JSON.stringify({ type, topics: list }));
			}
		],
		[
			10,
			() => {
				const t = JSON.stringify(topic());
				return text(
					'json-tricks',
					pick([
						`{"__proto__":{"type":"publish"},"topic":${t},"data":1}`,
						`{"type":"ping","type":"publish","topic":${t},"data":{"a":1}}`,
						`\ufeff{"type":"publish","topic":${t},"data":1}`,
						`{"type":"publish","topic":${t},"data":1}\n\n  \t`,
						`{"type":"publish","topic":${t},"data":1,"clients":"many"}`,
						`{"type":"publish","topic":${t},"data":1e999}`,
						`{"type":"publish","topic":${t},"data":"\\ud800\\u0000"}`,
						`{"type":"subscribe","topics":["\\u0000","\\ud800"]}`,
						`{"type":"publish","topic":${t}}`,
						`{"type":"publish","topic":${t},"data":null}`,
						'{}',
						'[{"type":"ping"}]',
						'"ping"',
						'',
						' '
					])
				);
			}
		],
		[
			1,
			() => {
				const size = pick([64 * 1024 + int(1000), 200 * 1024, 300 * 1024]);
				const head = `{"type":"publish","topic":${JSON.stringify(topic())},"data":"`;
				return text('huge', `${head}${HUGE.slice(0, size)}"}`);
			}
		]
	];
	const total = kinds.reduce((sum, [weight]) => sum + weight, 0);
	for (let i = 0; i < count; i++) {
		let roll = random() * total;
		for (const [weight, make] of kinds) {
			roll -= weight;
			if (roll < 0) {
				yield make();
				break;
			}
		}
	}
}
