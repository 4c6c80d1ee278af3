// Fuzz: 12,000 hostile peer messages (random bytes, real messages mutated or cut short,
// truncated varints, awareness JSON that is not JSON or the wrong shape, huge counts and
// lengths, floods, many-entry updates, updates that are not a log, broadcast peer ids) in
// hostile frames (whole, in parts, junk frames, memory bombs, messages left unfinished),
// through the real chunked channel and per-connection guard, then through what y-webrtc does
// with what is accepted: sync messages applied to a viewer's log doc with the app's bridge on
// top, awareness applied to the sealed presence, step 1 and queries answered. Nothing may throw
// out, the content doc must not change, and every valid log entry must still be there.
// FUZZ_SEED=n reruns one seed.
import { randomBytes } from 'node:crypto';
import * as decoding from 'lib0/decoding';
import * as prng from 'lib0/prng';
import nacl from 'tweetnacl';
import { expect, it, vi } from 'vitest';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import * as capability from '../../../src/lib/crypto/capability';
import { signingKeys } from '../../../src/lib/crypto/signing';
import * as pages from '../../../src/lib/doc/pages';
import { createContentDoc } from '../../../src/lib/doc/schema';
import { Bridge } from '../../../src/lib/log/bridge';
import { createLogDoc, logArray } from '../../../src/lib/log/log-doc';
import { ChunkedChannel } from '../../../src/lib/sync/chunked-channel';
import { PeerGuard } from '../../../src/lib/sync/peer-guard';
import {
	AWARENESS,
	QUERY_AWARENESS,
	STEP1,
	SYNC as SYNC_MESSAGE
} from '../../../src/lib/sync/peer-message';
import { Presence } from '../../../src/lib/sync/presence';
import {
	awarenessMessage,
	FakeChannel,
	frames,
	memoryBombFirstFrame,
	neverFinishing,
	queryAwareness,
	randomMessage,
	seedFrom,
	SYNC,
	syncMessage
} from '../../adversary/peer';
import { honestState, POISON_CURSORS, sealed, sealedUpdate } from '../../adversary/presence';

const MESSAGES = 12_000;
const SEED = seedFrom('FUZZ_SEED', 20_251_127);

let nextClientId = 1_000;

/** A content doc and a log doc (with client ids from a counter, so a seed replays exactly). */
async function replica(
	cap: capability.EditCapability | capability.ViewCapability,
	log = createLogDoc()
) {
	const content = createContentDoc();
	content.clientID = nextClientId++;
	if (log.store.clients.size === 0) log.clientID = nextClientId++;
	const bridge = await Bridge.create({ content, log, cap, ...(await signingKeys(cap)) });
	return { content, log, bridge };
}

const hex = (bytes: unknown) =>
	bytes instanceof Uint8Array ? Buffer.from(bytes).toString('hex') : '';

it(`${MESSAGES} hostile peer messages change nothing and throw nothing (seed ${SEED})`, async () => {
	const gen = prng.create(SEED);
	// Everything random comes from the seed: nonces (tweetnacl), page ids (crypto), and the time
	// pages are stamped with, so a failing seed replays exactly.
	const random = prng.create(SEED + 1);
	nacl.setPRNG((out, n) => out.set(prng.uint8Array(random, n)));
	const getRandomValues = vi
		.spyOn(globalThis.crypto, 'getRandomValues')
		.mockImplementation(<T extends ArrayBufferView | null>(array: T): T => {
			if (array !== null) {
				new Uint8Array(array.buffer, array.byteOffset, array.byteLength).set(
					prng.uint8Array(random, array.byteLength)
				);
			}
			return array;
		});
	vi.useFakeTimers({ toFake: ['Date'], now: 1_750_000_000_000 });
	const cap = capability.fromSecret(prng.uint8Array(gen, 32));
	const now = { ms: 1_750_000_000_000 };

	// An editor writes a small space; the victim, a viewer, holds its log and reads it.
	const editor = await replica(cap);
	for (const title of ['Plans', 'Notes', 'Ideas']) {
		const id = pages.createPage(editor.content, { title });
		const paragraph = new Y.XmlElement('paragraph');
		paragraph.insert(0, [new Y.XmlText(`The ${title.toLowerCase()} of the space.`)]);
		pages.body(editor.content, id)?.insert(0, [paragraph]);
	}
	await editor.bridge.settled();
	const victimLog = createLogDoc();
	Y.applyUpdate(victimLog, Y.encodeStateAsUpdate(editor.log));
	const victim = await replica(capability.toView(cap), victimLog);
	await victim.bridge.settled();
	const contentBefore = Y.encodeStateAsUpdate(victim.content);
	const validBefore = logArray(victimLog).toArray().map(hex);
	expect(validBefore.length).toBeGreaterThan(0);
	const presence = new Presence(victimLog, victim.content, cap.readKey, { now: () => now.ms });

	// Real messages, to send as they are and to mutate: what peers of this room and of another
	// one send.
	const elsewhere = await replica(capability.fromSecret(prng.uint8Array(gen, 32)));
	pages.createPage(elsewhere.content, { title: 'Another space' });
	await elsewhere.bridge.settled();
	const junkLog = new Y.Doc();
	logArray(junkLog).push([new Uint8Array(120), 'not bytes' as unknown as Uint8Array]);
	const state = (cursor?: unknown) =>
		sealed(cap.readKey, honestState(77, now.ms, cursor === undefined ? {} : { cursor }));
	const valid = [
		syncMessage(SYNC.step1, Y.encodeStateVector(editor.log)),
		syncMessage(SYNC.step2, Y.encodeStateAsUpdate(editor.log)),
		syncMessage(SYNC.update, Y.encodeStateAsUpdate(elsewhere.log)),
		syncMessage(SYNC.update, Y.encodeStateAsUpdate(junkLog)),
		awarenessMessage(sealedUpdate(77, 1, state())),
		awarenessMessage(sealedUpdate(78, 1, state(POISON_CURSORS[0]))),
		queryAwareness()
	];

	const errors: string[] = [];
	const verdicts: Record<string, number> = {};
	let violations = 0;
	let connections = 0;
	let answered = 0;

	// What y-webrtc's readMessage does with a message the channel hands on.
	const yWebrtc = (data: ArrayBuffer) => {
		const decoder = decoding.createDecoder(new Uint8Array(data));
		const type = decoding.readVarUint(decoder);
		if (type === SYNC_MESSAGE) {
			const sub = decoding.readVarUint(decoder);
			const payload = decoding.readVarUint8Array(decoder);
			if (sub === STEP1) {
				// The answer (everything the asker lacks) costs ~20 ms once junk fills the log, so
				// every step 1's state vector is read and one in eight is answered in full.
				Y.decodeStateVector(payload);
				if (answered++ % 8 === 0) Y.encodeStateAsUpdate(victimLog, payload);
			} else Y.applyUpdate(victimLog, payload, 'peer');
		} else if (type === AWARENESS) {
			awarenessProtocol.applyAwarenessUpdate(
				presence.sealed,
				decoding.readVarUint8Array(decoder),
				'peer'
			);
		} else if (type === QUERY_AWARENESS) {
			const states = presence.sealed.getStates();
			answered +=
				awarenessProtocol.encodeAwarenessUpdate(presence.sealed, [...states.keys()]).length > 0
					? 1
					: 0;
		}
	};

	const connect = () => {
		connections++;
		const raw = new FakeChannel();
		const guard = new PeerGuard(() => now.ms);
		const channel = new ChunkedChannel(raw, {
			accept: (message) => {
				const verdict = guard.check(message);
				const key = verdict.ok ? 'accepted' : verdict.reason;
				verdicts[key] = (verdicts[key] ?? 0) + 1;
				return verdict.ok;
			},
			onViolation: () => violations++
		});
		channel.onmessage = (event) => {
			try {
				yWebrtc(event.data);
			} catch (error) {
				const bytes = Buffer.from(new Uint8Array(event.data)).toString('hex');
				errors.push(`${String(error)} on ${bytes.slice(0, 200)}${bytes.length > 200 ? '…' : ''}`);
			}
		};
		return { raw, channel, sent: 0 };
	};

	const warn = console.warn;
	console.warn = () => {};
	let connection = connect();
	try {
		for (let i = 0; i < MESSAGES; i++) {
			now.ms += prng.int32(gen, 0, 200);
			if (connection.raw.readyState === 'closed' || connection.sent >= 200) {
				connection.channel.close();
				connection = connect();
			}
			connection.sent++;
			const message =
				prng.int32(gen, 0, 9) < 2 ? prng.oneOf(gen, valid) : randomMessage(gen, valid);
			const framing = prng.int32(gen, 0, 19);
			const deliver = (frame: Uint8Array | string) => {
				try {
					connection.raw.deliver(frame);
				} catch (error) {
					errors.push(`frame of message ${i}: ${String(error)}`);
				}
			};
			if (framing < 14) deliver(frames.whole(message));
			else if (framing < 17) {
				// In parts of random sizes.
				let at = Math.min(message.length, prng.int32(gen, 0, 300));
				deliver(frames.first(message.length, message.subarray(0, at)));
				while (at < message.length) {
					const next = Math.min(message.length, at + prng.int32(gen, 1, 400));
					deliver(frames.next(message.subarray(at, next)));
					at = next;
				}
			} else if (framing === 17) deliver(prng.uint8Array(gen, prng.int32(gen, 0, 30)));
			else if (framing === 18) deliver(prng.bool(gen) ? memoryBombFirstFrame() : 'text, not bytes');
			else for (const frame of neverFinishing(prng.int32(gen, 2, 1 << 20), 1)) deliver(frame);
			if (i % 500 === 0) await victim.bridge.settled();
		}
		connection.channel.close();
		await victim.bridge.settled();
		await Promise.resolve();

		console.log(
			`seed ${SEED}: ${connections} connections, ${violations} framing violations, ${answered} answers`,
			verdicts
		);
		expect(errors, `seed ${SEED}`).toEqual([]);
		expect(
			Buffer.from(Y.encodeStateAsUpdate(victim.content)).equals(Buffer.from(contentBefore)),
			`seed ${SEED}: the content doc changed`
		).toBe(true);
		const after = new Set(logArray(victimLog).toArray().map(hex));
		expect(
			validBefore.filter((entry) => !after.has(entry)),
			`seed ${SEED}: valid entries lost`
		).toEqual([]);
		expect(verdicts.accepted ?? 0, `seed ${SEED}`).toBeGreaterThan(MESSAGES / 10);
	} finally {
		console.warn = warn;
		presence.destroy();
		for (const { bridge } of [editor, victim, elsewhere]) bridge.destroy();
		nacl.setPRNG((out, n) => out.set(randomBytes(n)));
		getRandomValues.mockRestore();
		vi.useRealTimers();
	}
}, 120_000);
