// The relay core (server/relay.ts) with the app's relay session (sync/relay-session.ts) on
// both ends of an in-process socket, over a real LevelDB in a temporary directory: a space asked
// to be kept is kept, members sync through it, "kept" follows commits, it survives a restart of
// the relay, nobody without relayKey gets anything, and forged entries change nothing.
import { ClassicLevel } from 'classic-level';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Awareness } from 'y-protocols/awareness';
import * as Y from 'yjs';
import * as capability from '../src/lib/crypto/capability';
import { createSigner, signingKeys } from '../src/lib/crypto/signing';
import * as pages from '../src/lib/doc/pages';
import { createContentDoc, pagesMap } from '../src/lib/doc/schema';
import { Bridge } from '../src/lib/log/bridge';
import { createLogDoc, logArray } from '../src/lib/log/log-doc';
import { RelaySession } from '../src/lib/sync/relay-session';
import { decodeFrame, encodeFrame, FRAME } from '../src/lib/sync/relay-wire';
import { LevelKeptSpaces, LevelLogStore, type LevelDb } from './level-log-store';
import { Relay } from './relay';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
	for (const step of cleanup.splice(0).reverse()) await step();
});

function database(): { dir: string; open(): LevelDb } {
	const dir = mkdtempSync(join(tmpdir(), 'cp-relay-'));
	cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
	return {
		dir,
		open: () =>
			new ClassicLevel<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' })
	};
}

function startRelay(db: LevelDb, options: Partial<ConstructorParameters<typeof Relay>[0]> = {}) {
	return new Relay({ store: new LevelLogStore(db), kept: new LevelKeptSpaces(db), ...options });
}

const tick = (ms = 20) => new Promise((resolve) => setTimeout(resolve, ms));

/** A client of `relay` over an in-process socket: the relay session on its log doc. */
function connect(
	relay: Relay,
	cap: capability.RelayCapability,
	log: Y.Doc,
	keep = false,
	awareness?: Awareness
) {
	const refused: string[] = [];
	let closed = false;
	let toRelay: ((bytes: Uint8Array) => void) | null = null;
	const session = new RelaySession({
		log,
		cap,
		keep,
		...(awareness === undefined ? {} : { awareness }),
		send: (bytes) => queueMicrotask(() => !closed && toRelay?.(bytes))
	});
	session.on('refused', (code) => refused.push(code));
	const side = relay.connect(
		{
			send: (bytes) => queueMicrotask(() => !closed && session.receive(bytes)),
			// A close frame follows what was sent before it.
			close: () => queueMicrotask(() => (closed = true))
		},
		'127.0.0.1'
	);
	toRelay = side.receive;
	const close = () => {
		closed = true;
		side.close();
		session.destroy();
	};
	cleanup.push(close);
	return { session, refused, close, isClosed: () => closed };
}

async function until(check: () => boolean, ms = 5_000) {
	const end = Date.now() + ms;
	while (!check()) {
		if (Date.now() > end) throw new Error('timed out');
		await tick(10);
	}
}

async function editor(cap: capability.EditCapability) {
	const content = createContentDoc();
	const log = createLogDoc();
	const bridge = await Bridge.create({
		content,
		log,
		cap,
		...(await signingKeys(cap)),
		idleMs: 3_600_000
	});
	cleanup.push(() => bridge.destroy());
	return { content, log, bridge };
}

const titles = (content: Y.Doc) =>
	[...pagesMap(content).values()].map((p) => String(p.get('title'))).sort();

describe('relay', () => {
	it("forgets a space only when an editor signs for it on that connection; a viewer's ask is refused", async () => {
		const db = database();
		const level = db.open();
		const relay = startRelay(level);
		cleanup.push(async () => {
			await relay.close();
			await level.close();
		});
		const cap = capability.fromSecret(capability.newSecret());
		const relayCap = capability.toRelay(cap);
		const alice = await editor(cap);
		pages.createPage(alice.content, { title: 'To be forgotten' });
		await alice.bridge.settled();
		const a = connect(relay, relayCap, alice.log, true);
		await until(() => a.session.joined && a.session.holdsAll());

		// Someone with the relay key (a viewer, another relay) signs with a key of their own.
		const stranger = await createSigner(capability.fromSecret(capability.newSecret()).signSeed);
		const v = connect(relay, relayCap, createLogDoc());
		await until(() => v.session.joined);
		await v.session.forget(stranger);
		await until(() => v.refused.includes('bad-signature'));
		// An editor's signature made for another connection (another nonce) is no better: the
		// session signs its own nonce, so the replay is sent raw.
		const editorSigner = await createSigner(cap.signSeed);
		const signatures: Uint8Array[] = [];
		const w = connect(relay, relayCap, createLogDoc());
		await until(() => w.session.joined);
		const replay = { sign: async (m: Uint8Array) => signatures[0] ?? editorSigner.sign(m) };
		signatures.push(await editorSigner.sign(new Uint8Array(64)));
		await w.session.forget({ engine: 'tweetnacl', ...replay });
		await until(() => w.refused.includes('bad-signature'));
		expect(relay.stats.forgotten).toBe(0);
		expect(await new LevelKeptSpaces(level).get(relayCap.room)).not.toBeNull();

		// The editor's own ask, on its connection: every client is told, and the data is gone.
		const forgotten: string[] = [];
		const b = connect(relay, relayCap, (await editor(cap)).log);
		await until(() => b.session.joined);
		b.session.on('forgotten', () => forgotten.push('b'));
		a.session.on('forgotten', () => forgotten.push('a'));
		await a.session.forget(editorSigner);
		await until(() => forgotten.length === 2);
		await until(() => relay.stats.forgotten === 1);
		expect(await new LevelKeptSpaces(level).get(relayCap.room)).toBeNull();
		let records = 0;
		for await (const key of level.keys()) {
			if (Buffer.from(key).toString('latin1').includes(relayCap.room)) records++;
		}
		expect(records).toBe(0);
		// Asked again (a member still keeps it), it is kept afresh.
		const c = connect(relay, relayCap, alice.log, true);
		await until(() => c.session.joined && c.session.holdsAll());
	});

	it('keeps a space it is asked to, passes it on, says what it committed, and survives a restart', async () => {
		const db = database();
		let level = db.open();
		let relay = startRelay(level);
		const cap = capability.fromSecret(capability.newSecret());
		const relayCap = capability.toRelay(cap);

		const alice = await editor(cap);
		pages.createPage(alice.content, { title: 'Plan for tomorrow' });
		await alice.bridge.settled();
		const a = connect(relay, relayCap, alice.log, true);
		await until(() => a.session.joined && a.session.holdsAll());

		// Bob, at the same time: gets it live.
		const bob = await editor(cap);
		const b = connect(relay, relayCap, bob.log);
		await until(() => titles(bob.content).length === 1);
		pages.createPage(alice.content, { title: 'Written live' });
		await alice.bridge.settled();
		await until(() => titles(bob.content).includes('Written live'));
		await until(() => a.session.holdsAll());
		a.close();
		b.close();

		// The relay restarts (a new process over the same directory); Carol comes later.
		await relay.close();
		await level.close();
		level = db.open();
		relay = startRelay(level);
		cleanup.push(async () => {
			await relay.close();
			await level.close();
		});
		const carol = await editor(cap);
		connect(relay, relayCap, carol.log);
		await until(() => titles(carol.content).length === 2);
		expect(titles(carol.content)).toEqual(['Plan for tomorrow', 'Written live']);
	});

	it('passes presence between members as it came, keeps none of it, and bounds its rate', async () => {
		const db = database();
		const level = db.open();
		const relay = startRelay(level);
		cleanup.push(async () => {
			await relay.close();
			await level.close();
		});
		const relayCap = capability.toRelay(capability.fromSecret(capability.newSecret()));
		const member = () => {
			const log = createLogDoc();
			const awareness = new Awareness(log);
			cleanup.push(() => awareness.destroy());
			return { log, awareness };
		};
		const alice = member();
		const bob = member();
		alice.awareness.setLocalState({ s: 'alice-sealed' });
		const a = connect(relay, relayCap, alice.log, true, alice.awareness);
		await until(() => a.session.joined);
		// Bob joins later: his query brings Alice's state, his own goes to her.
		bob.awareness.setLocalState({ s: 'bob-sealed' });
		connect(relay, relayCap, bob.log, false, bob.awareness);
		const stateOf = (who: Awareness, of: Awareness) => who.getStates().get(of.clientID)?.s;
		await until(
			() =>
				stateOf(alice.awareness, bob.awareness) === 'bob-sealed' &&
				stateOf(bob.awareness, alice.awareness) === 'alice-sealed'
		);
		alice.awareness.setLocalState({ s: 'alice-moved' });
		await until(() => stateOf(bob.awareness, alice.awareness) === 'alice-moved');

		// A burst far over the rate: the relay passes on its allowance and drops the rest.
		const passedBefore = relay.stats.presence;
		for (let i = 0; i < 200; i++) alice.awareness.setLocalState({ s: `caret ${i}` });
		await tick(50);
		expect(relay.stats.presence - passedBefore).toBeLessThanOrEqual(45);
		expect(relay.stats.refused.rate ?? 0).toBeGreaterThanOrEqual(150);

		// Nothing of it is on disk.
		await relay.close();
		for await (const value of level.values()) {
			expect(Buffer.from(value).toString('latin1')).not.toMatch(/sealed|caret|moved/);
		}
	});

	it('serves nobody without proof of relayKey, and nothing of a space it does not keep', async () => {
		const db = database();
		const level = db.open();
		const relay = startRelay(level);
		cleanup.push(async () => {
			await relay.close();
			await level.close();
		});
		const cap = capability.fromSecret(capability.newSecret());
		const owner = await editor(cap);
		pages.createPage(owner.content, { title: 'Secret-ish' });
		await owner.bridge.settled();
		const kept = connect(relay, capability.toRelay(cap), owner.log, true);
		await until(() => kept.session.holdsAll());

		// Someone who knows the room but not relayKey: its proof is wrong.
		const other = capability.toRelay(capability.fromSecret(capability.newSecret()));
		const impostor = { ...other, room: cap.room };
		const log = createLogDoc();
		const wrong = connect(relay, impostor, log);
		await until(() => wrong.refused.length > 0);
		expect(wrong.refused).toEqual(['bad-proof']);
		expect(logArray(log).length).toBe(0);

		// A space the relay does not keep, asked without its capability.
		const stranger = connect(relay, other, createLogDoc());
		await until(() => stranger.refused.length > 0);
		expect(stranger.refused).toEqual(['unknown-room']);

		// A capability that does not name the room it is offered for.
		const mismatched = connect(
			relay,
			{ ...other, room: capability.fromSecret(capability.newSecret()).room },
			createLogDoc(),
			true
		);
		await until(() => mismatched.refused.length > 0);
		expect(mismatched.refused).toEqual(['bad-capability']);
		expect(relay.stats.refused).toMatchObject({
			'bad-proof': 1,
			'unknown-room': 1,
			'bad-capability': 1
		});
	});

	it('a forging member changes nothing for others; junk frames are refused, not thrown', async () => {
		const db = database();
		const level = db.open();
		const relay = startRelay(level);
		cleanup.push(async () => {
			await relay.close();
			await level.close();
		});
		const cap = capability.fromSecret(capability.newSecret());
		const relayCap = capability.toRelay(cap);
		const alice = await editor(cap);
		pages.createPage(alice.content, { title: 'Real' });
		await alice.bridge.settled();
		const a = connect(relay, relayCap, alice.log, true);
		await until(() => a.session.holdsAll());
		// A viewer-grade attacker: pushes junk and deletes every real entry.
		const attackerLog = createLogDoc();
		const attacker = connect(relay, relayCap, attackerLog);
		await until(() => attacker.session.joined && logArray(attackerLog).length > 0);
		attackerLog.transact(() => {
			logArray(attackerLog).push([new Uint8Array(300).fill(7)]);
			logArray(attackerLog).delete(0, 1);
		});
		// Raw junk frames straight at the relay.
		const raw = relay.connect({ send: () => {}, close: () => {} }, '127.0.0.1');
		for (const junk of [
			new Uint8Array([]),
			new Uint8Array([99, 1, 2]),
			encodeFrame({ type: FRAME.joined })
		]) {
			raw.receive(junk);
		}
		await tick(1_600); // the guard's pause before putting back and tidying
		const bob = await editor(cap);
		connect(relay, relayCap, bob.log);
		await until(() => titles(bob.content).includes('Real'));
		expect(titles(bob.content)).toEqual(['Real']);
		expect(relay.stats.refused.malformed).toBeGreaterThanOrEqual(2);
		expect(decodeFrame(new Uint8Array([FRAME.hello]))).toBeNull();
	});
});

describe('relay on the server port', () => {
	it('serves /relay over WebSocket next to signaling, and reports counts on /health', async () => {
		const { startSignaling } = await import('./signaling.js');
		const { startRelay: startRelayServer } = await import('./relay-server');
		const { WebSocket } = await import('ws');
		const dir = mkdtempSync(join(tmpdir(), 'cp-relay-'));
		cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
		const server = await startSignaling({
			port: 0,
			log: () => {},
			relay: await startRelayServer({ dataDir: dir })
		});
		cleanup.push(() => server.close());
		const cap = capability.fromSecret(capability.newSecret());
		const alice = await editor(cap);
		pages.createPage(alice.content, { title: 'Over the wire' });
		await alice.bridge.settled();

		const open = (log: Y.Doc, keep: boolean) => {
			const ws = new WebSocket(`${server.url}/relay`);
			ws.binaryType = 'arraybuffer';
			const session = new RelaySession({
				log,
				cap: capability.toRelay(cap),
				keep,
				send: (bytes) => ws.send(bytes)
			});
			ws.on('message', (data: ArrayBuffer) => session.receive(new Uint8Array(data)));
			cleanup.push(() => {
				session.destroy();
				ws.close();
			});
			return session;
		};
		const a = open(alice.log, true);
		await until(() => a.holdsAll());
		const bob = await editor(cap);
		open(bob.log, false);
		await until(() => titles(bob.content).length === 1);
		expect(titles(bob.content)).toEqual(['Over the wire']);
		const health = (await (await fetch(server.url.replace('ws:', 'http:') + '/health')).json()) as {
			relay: { kept: number; joined: number };
		};
		expect(health.relay).toMatchObject({ kept: 1, joined: 2 });
		expect(JSON.stringify(health)).not.toContain('Over the wire');
	});
});
