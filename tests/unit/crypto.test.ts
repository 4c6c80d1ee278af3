import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import { concat, fromB64url, fromHex, toB64url, toHex, utf8 } from '../../src/lib/crypto/bytes';
import * as capability from '../../src/lib/crypto/capability';
import * as envelope from '../../src/lib/crypto/envelope';
import * as links from '../../src/lib/crypto/links';
import { sealPresence } from '../../src/lib/crypto/presence';
import * as secretbox from '../../src/lib/crypto/secretbox';
import { createSigner, createVerifier, publicKeyOf } from '../../src/lib/crypto/signing';
import * as Y from 'yjs';

interface Space {
	secret: string;
	signPk: string;
	readKey: string;
	relayKey: string;
	topic: string;
	room: string;
	links: { w1: string; r1: string; b1: string };
}
interface EnvelopeVector {
	space: number;
	version: 1 | 2;
	kind: number;
	covers: Record<string, number> | null;
	nonce: string;
	body: string;
	bytes: string;
}

const vectors = JSON.parse(readFileSync('docs/test-vectors.json', 'utf8')) as {
	spaces: Space[];
	envelopes: EnvelopeVector[];
};
const hex = (text: string) => fromHex(text) as Uint8Array;
// An independent H(): Node's own SHA-512, not tweetnacl's.
const H = (label: string, bytes: Uint8Array) =>
	new Uint8Array(
		createHash('sha512').update(Buffer.from(label, 'utf8')).update(bytes).digest()
	).slice(0, 32);

describe('test vectors (docs/test-vectors.json)', () => {
	it('has spaces and both envelope versions', () => {
		expect(vectors.spaces.length).toBeGreaterThanOrEqual(2);
		expect(vectors.envelopes.filter((e) => e.version === 2).length).toBeGreaterThanOrEqual(2);
		expect(vectors.envelopes.filter((e) => e.version === 1).length).toBeGreaterThanOrEqual(2);
	});

	for (const [n, v] of vectors.spaces.entries()) {
		it(`space ${n + 1}: derivations and links`, () => {
			const cap = capability.fromSecret(hex(v.secret));
			// Independently recomputed from DESIGN.md §2.
			const readKey = H('commonplace/v1/read', hex(v.secret));
			const relayKey = H('commonplace/v1/relay', readKey);
			const signPk = nacl.sign.keyPair.fromSeed(H('commonplace/v1/sign', hex(v.secret))).publicKey;
			expect(toHex(readKey)).toBe(v.readKey);
			expect(toHex(relayKey)).toBe(v.relayKey);
			expect(toHex(signPk)).toBe(v.signPk);
			expect(toHex(H('commonplace/v1/topic', relayKey).slice(0, 16))).toBe(v.topic);
			expect(toHex(H('commonplace/v1/room', concat(relayKey, signPk)).slice(0, 16))).toBe(v.room);
			expect([
				toHex(cap.readKey),
				toHex(cap.relayKey),
				toHex(cap.signPk),
				cap.topic,
				cap.room
			]).toEqual([v.readKey, v.relayKey, v.signPk, v.topic, v.room]);
			expect(v.links.w1).toBe(`w1.${toB64url(hex(v.secret))}`);
			expect(v.links.r1).toBe(`r1.${toB64url(concat(readKey, signPk))}`);
			expect(v.links.b1).toBe(`b1.${toB64url(concat(relayKey, signPk))}`);
			expect(links.format(cap)).toBe(v.links.w1);
			expect(links.format(capability.toView(cap))).toBe(v.links.r1);
			expect(links.format(capability.toRelay(cap))).toBe(v.links.b1);
		});
	}

	for (const [n, v] of vectors.envelopes.entries()) {
		it(`envelope ${n + 1} (version ${v.version}, kind ${v.kind}): layout, signature, content`, async () => {
			const space = vectors.spaces[v.space] as Space;
			const cap = capability.fromSecret(hex(space.secret));
			const bytes = hex(v.bytes);
			const nonce = hex(v.nonce);
			const signPk = hex(space.signPk);
			const readKey = hex(space.readKey);
			// Byte layout, checked by hand against docs/protocol.md.
			expect(bytes[0]).toBe(v.version);
			const signature = bytes.subarray(1, 65);
			if (v.version === 2) {
				const signed = concat(
					utf8('commonplace/v2/envelope'),
					hex(space.topic),
					bytes.subarray(65)
				);
				expect(nacl.sign.detached.verify(signed, signature, signPk)).toBe(true);
				expect(bytes[65]).toBe(v.kind);
				const n = new DataView(bytes.buffer, bytes.byteOffset + 66, 4).getUint32(0);
				const covers = bytes.subarray(70, 70 + n);
				if (v.covers === null) expect(n).toBe(0);
				else {
					const expected = new Map(Object.entries(v.covers).map(([c, k]) => [Number(c), k]));
					expect(toHex(covers)).toBe(toHex(Y.encodeStateVector(stateVectorDoc(expected))));
					expect(envelope.decodeStateVector(covers)).toEqual(expected);
				}
				expect(toHex(bytes.subarray(70 + n, 94 + n))).toBe(v.nonce);
				const plain = nacl.secretbox.open(bytes.subarray(94 + n), nonce, readKey) as Uint8Array;
				expect(toHex(plain)).toBe(v.body);
				for (const engine of ['webcrypto', 'tweetnacl'] as const) {
					const signer = await createSigner(cap.signSeed, engine);
					const options =
						v.covers === null
							? { nonce }
							: { nonce, covers: envelope.decodeStateVector(covers) as envelope.StateVector };
					const sealed = await envelope.seal(
						cap,
						signer,
						v.kind as envelope.Kind,
						hex(v.body),
						options
					);
					expect(toHex(sealed)).toBe(v.bytes);
				}
			} else {
				expect(toHex(bytes.subarray(65, 89))).toBe(v.nonce);
				const ciphertext = bytes.subarray(89);
				const signed = concat(utf8('commonplace/v1/envelope'), hex(space.topic), nonce, ciphertext);
				expect(nacl.sign.detached.verify(signed, signature, signPk)).toBe(true);
				const plain = nacl.secretbox.open(ciphertext, nonce, readKey) as Uint8Array;
				expect(plain[0]).toBe(v.kind);
				expect(toHex(plain.subarray(1))).toBe(v.body);
			}
			const verifier = await createVerifier(cap.signPk);
			const opened = await envelope.open(capability.toView(cap), verifier, bytes);
			expect(opened.ok && { kind: opened.kind, body: toHex(opened.body) }).toEqual({
				kind: v.kind,
				body: v.body
			});
			// A blind peer reads the same header (version 1 carries none).
			const relay = capability.toRelay(cap);
			const checked = await envelope.verify(relay, await createVerifier(relay.signPk), bytes);
			expect(checked.ok && checked.header.kind).toBe(v.version === 2 ? v.kind : null);
		});
	}
});

/** A Yjs doc whose state vector is `vector`, to compare our encoding with Yjs's own. */
function stateVectorDoc(vector: Map<number, number>): Y.Doc {
	const doc = new Y.Doc();
	for (const [client, clock] of vector) {
		if (clock === 0) continue;
		const writer = new Y.Doc();
		writer.clientID = client;
		writer.getArray('x').insert(
			0,
			Array.from({ length: clock }, () => 0)
		);
		Y.applyUpdate(doc, Y.encodeStateAsUpdate(writer));
	}
	return doc;
}

describe('capabilities', () => {
	it('derive downwards only, and each link parses back to the same capability', () => {
		const edit = capability.fromSecret(capability.newSecret());
		const view = capability.toView(edit);
		const relay = capability.toRelay(view);
		expect(view).not.toHaveProperty('secret');
		expect(relay).not.toHaveProperty('readKey');
		expect(relay.topic).toBe(edit.topic);
		for (const cap of [edit, view, relay]) {
			const parsed = links.parse(`#${links.format(cap)}`);
			expect(parsed.ok).toBe(true);
			if (parsed.ok === true) expect(parsed.cap).toEqual(cap);
		}
		expect(capability.canWrite(view)).toBe(false);
		expect(capability.canRead(relay)).toBe(false);
	});
});

describe('Ed25519: WebCrypto and tweetnacl agree', () => {
	it('give identical signatures and verify each other', async () => {
		const seed = nacl.randomBytes(32);
		const pk = nacl.sign.keyPair.fromSeed(seed).publicKey;
		const web = await createSigner(seed, 'webcrypto');
		const tweet = await createSigner(seed, 'tweetnacl');
		expect(web.engine).toBe('webcrypto');
		const webVerifier = await createVerifier(pk, 'webcrypto');
		const tweetVerifier = await createVerifier(pk, 'tweetnacl');
		for (let i = 0; i < 20; i++) {
			const message = nacl.randomBytes(i * 37);
			const a = await web.sign(message);
			const b = await tweet.sign(message);
			expect(toHex(a)).toBe(toHex(b));
			expect(await tweetVerifier.verify(a, message)).toBe(true);
			expect(await webVerifier.verify(b, message)).toBe(true);
			const forged = a.slice();
			forged[i % 64] = (forged[i % 64] as number) ^ 1;
			expect(await webVerifier.verify(forged, message)).toBe(false);
			expect(await tweetVerifier.verify(forged, message)).toBe(false);
		}
	});

	it('give the same public key, so a capability opened either way is the same', async () => {
		for (let i = 0; i < 20; i++) {
			const seed = nacl.randomBytes(32);
			expect(toHex(await publicKeyOf(seed))).toBe(
				toHex(nacl.sign.keyPair.fromSeed(seed).publicKey)
			);
			const secret = capability.newSecret();
			expect(await capability.fromSecretAsync(secret)).toEqual(capability.fromSecret(secret));
			const bytes = capability.toBytes(capability.fromSecret(secret));
			expect(await capability.fromBytesAsync('edit', bytes)).toEqual(
				capability.fromBytes('edit', bytes)
			);
		}
		// tweetnacl's 64-byte secret key, which sealSync signs with, too.
		const secret = capability.newSecret();
		const cap = await capability.fromSecretAsync(secret);
		expect(toHex(cap.signSk)).toBe(toHex(nacl.sign.keyPair.fromSeed(cap.signSeed).secretKey));
		expect(await capability.fromBytesAsync('edit', new Uint8Array(31))).toBeNull();
	});
});

describe('secretbox: one module for every box', () => {
	it('seals as NaCl does and opens only what it sealed: a changed byte or key opens nothing', () => {
		// Seeded sizes and bytes: 0, 1, 63, 64, 65 and ~100 KB (block edges and a long stream).
		let state = 7;
		const random = (n: number) =>
			Uint8Array.from({ length: n }, () => (state = (state * 1103515245 + 12345) >>> 0) >>> 24);
		for (const size of [0, 1, 63, 64, 65, 100_003]) {
			const [key, nonce, plain] = [random(32), random(24), random(size)];
			const ours = secretbox.seal(plain, nonce, key);
			expect(ours).toEqual(nacl.secretbox(plain, nonce, key));
			expect(secretbox.open(nacl.secretbox(plain, nonce, key), nonce, key)).toEqual(plain);
			const tampered = ours.slice();
			tampered[tampered.length - 1] = (tampered[tampered.length - 1] as number) ^ 1;
			expect(secretbox.open(tampered, nonce, key)).toBeNull();
			expect(secretbox.open(ours, nonce, random(32))).toBeNull();
		}
		expect(secretbox.open(new Uint8Array(15), new Uint8Array(24), new Uint8Array(32))).toBeNull();
	});
});

describe('links: bad input gets a clear message, never an exception', () => {
	const cap = capability.fromSecret(capability.newSecret());
	const good = links.format(cap);
	const cases: Array<[string, RegExp]> = [
		['', /not a Commonplace link/],
		['#', /not a Commonplace link/],
		[good.slice(0, -5), /not a Commonplace link/],
		[good.slice(0, 10), /not a Commonplace link/],
		[`${good}!`, /not a Commonplace link/],
		[good.replace('w1.', 'w2.'), /newer version/],
		[good.replace('w1.', 'x1.'), /not a Commonplace link/],
		[good.replace('w1.', 'r1.'), /not a Commonplace link/],
		['w1.' + '='.repeat(43), /not a Commonplace link/],
		['p1.AAAA', /not a Commonplace link/],
		['https://example.org/#w1.abc', /not a Commonplace link/]
	];
	for (const [input, message] of cases) {
		it(`rejects ${JSON.stringify(input.slice(0, 30))}`, () => {
			const parsed = links.parse(input);
			expect(parsed.ok).toBe(false);
			if (parsed.ok === false) expect(parsed.error).toMatch(message);
		});
	}

	it('relay hints ride after the capability; unreadable ones are left out, the link still opens', async () => {
		const relays = ['wss://relay.example.org/relay?token=abc', 'ws://127.0.0.1:4444/relay'];
		const hinted = links.format(cap, relays);
		expect(hinted.startsWith(`${good}~`)).toBe(true);
		expect(links.parse(`#${hinted}`)).toEqual({ ok: true, cap: expect.anything(), relays });
		// Old links (no hints) still open; junk, non-UTF-8 and too many hints are dropped.
		expect(links.parse(good)).toMatchObject({ ok: true, relays: [] });
		const junk = `${good}~!!~${toB64url(new Uint8Array([0xff, 0xfe]))}~~${toB64url(utf8('x'.repeat(600)))}`;
		expect(links.parse(junk)).toMatchObject({ ok: true, relays: [] });
		const many = links.format(
			cap,
			Array.from({ length: 9 }, (_, i) => `wss://r${i}.example.org/relay`)
		);
		const parsed = links.parse(many);
		expect(parsed.ok === true && parsed.relays.length).toBe(links.MAX_HINTS);
		// A broken capability with good hints is still broken.
		expect(links.parse(`w1.AAAA~${toB64url(utf8('wss://r.example.org'))}`).ok).toBe(false);
		// Inside a password link, the hints are protected with the key.
		const locked = links.parse(await links.protect(hinted, 'correct horse battery staple'));
		expect(locked.ok).toBe('password');
		if (locked.ok !== 'password') return;
		const opened = await links.unprotect(locked.payload, 'correct horse battery staple');
		expect(opened.ok && opened.relays).toEqual(relays);
	});

	it('base64url is strict: no padding, no stray bits, no foreign characters', () => {
		expect(fromB64url('AA')).toEqual(new Uint8Array([0]));
		expect(fromB64url('AB')).toBeNull();
		expect(fromB64url('AA==')).toBeNull();
		expect(fromB64url('A+/A')).toBeNull();
		expect(fromB64url('A')).toBeNull();
		for (let n = 0; n < 40; n++) {
			const bytes = nacl.randomBytes(n);
			expect(fromB64url(toB64url(bytes))).toEqual(bytes);
		}
	});

	it('password links open with the password and refuse a wrong one', async () => {
		const view = links.format(capability.toView(cap));
		const protectedLink = await links.protect(view, 'correct horse battery staple');
		expect(protectedLink).toMatch(/^p1\./);
		const parsed = links.parse(`#${protectedLink}`);
		expect(parsed.ok).toBe('password');
		if (parsed.ok !== 'password') return;
		const wrong = await links.unprotect(parsed.payload, 'wrong horse');
		expect(wrong).toEqual({ ok: false, error: 'That password is not right. Try again.' });
		const right = await links.unprotect(parsed.payload, 'correct horse battery staple');
		expect(right.ok).toBe(true);
		if (right.ok) expect(links.format(right.cap)).toBe(view);
		await expect(links.protect(view, '')).rejects.toThrow(links.PasswordRefused);
		await expect(links.protect('nonsense', 'correct horse battery staple')).rejects.toThrow(
			'Only an edit or view link'
		);
	});
});

describe('envelopes: every forgery is rejected with its reason', () => {
	const cap = capability.fromSecret(capability.newSecret());
	const other = capability.fromSecret(capability.newSecret());

	it('rejects bad MAC, bad signature, another space, unknown kind, oversize and junk', async () => {
		const signer = await createSigner(cap.signSeed);
		const verifier = await createVerifier(cap.signPk);
		const view = capability.toView(cap);
		const good = await envelope.seal(cap, signer, envelope.KIND_UPDATE, utf8('body'));
		expect((await envelope.open(view, verifier, good)).ok).toBe(true);

		const reason = async (bytes: unknown) => {
			const result = await envelope.open(view, verifier, bytes);
			return result.ok ? 'accepted' : result.reason;
		};
		const flipped = (at: number) => {
			const copy = good.slice();
			copy[at] = (copy[at] as number) ^ 0x40;
			return copy;
		};
		expect(await reason('a string')).toBe('not-bytes');
		expect(await reason(good.subarray(0, 50))).toBe('too-short');
		expect(await reason(concat(new Uint8Array([3]), good.subarray(1)))).toBe('version');
		expect(await reason(flipped(10))).toBe('signature');
		expect(await reason(flipped(good.length - 1))).toBe('signature');

		// Signed correctly but sealed under another space's keys: the topic is in the signature.
		const otherSigner = await createSigner(other.signSeed);
		const foreign = await envelope.seal(other, otherSigner, envelope.KIND_UPDATE, utf8('x'));
		expect(await reason(foreign)).toBe('signature');

		// Valid signature over a ciphertext that does not decrypt (MAC) under our read key.
		const nonce = nacl.randomBytes(24);
		const badBox = nacl.secretbox(utf8('\u0001x'), nonce, other.readKey);
		const signedBadMac = concat(
			new Uint8Array([1]),
			await signer.sign(concat(utf8('commonplace/v1/envelope'), cap.topicBytes, nonce, badBox)),
			nonce,
			badBox
		);
		expect(await reason(signedBadMac)).toBe('decrypt');
		expect(await reason(await envelope.seal(cap, signer, 9 as envelope.Kind, utf8('x')))).toBe(
			'kind'
		);
		const huge = new Uint8Array(envelope.MAX_ENVELOPE_BYTES + 1);
		huge[0] = 1;
		expect(await reason(huge)).toBe('oversize');
	});

	it('a viewer and a blind relay can verify; only a reader can open', async () => {
		const signer = await createSigner(cap.signSeed);
		const sealed = await envelope.seal(cap, signer, envelope.KIND_SNAPSHOT, utf8('secret words'));
		const relay = capability.toRelay(cap);
		const verifier = await createVerifier(relay.signPk);
		expect(await envelope.verify(relay, verifier, sealed)).toMatchObject({
			ok: true,
			header: { version: 2, kind: 2 }
		});
		expect(new TextDecoder().decode(sealed)).not.toContain('secret words');
	});
});

describe('sealSync', () => {
	it('gives the same bytes as seal', async () => {
		const cap = capability.fromSecret(capability.newSecret());
		const nonce = nacl.randomBytes(24);
		const body = utf8('closing the tab');
		const signer = await createSigner(cap.signSeed);
		expect(toHex(envelope.sealSync(cap, 1, body, { nonce }))).toBe(
			toHex(await envelope.seal(cap, signer, 1, body, { nonce }))
		);
	});
});

describe('test vectors: password links and a page body', () => {
	const all = JSON.parse(readFileSync('docs/test-vectors.json', 'utf8')) as {
		passwordLinks: Array<{
			inner: string;
			password: string;
			passwordUtf8: string;
			salt: string;
			nonce: string;
			link: string;
		}>;
		pageBody: { clientID: number; pageId: string; xml: string; update: string };
	};

	it('p1 links: the exact bytes, and they open with the password as typed', async () => {
		expect(all.passwordLinks.length).toBeGreaterThanOrEqual(2);
		for (const v of all.passwordLinks) {
			expect(toHex(utf8(v.password))).toBe(v.passwordUtf8);
			expect(await links.protect(v.inner, v.password, hex(v.salt), hex(v.nonce))).toBe(v.link);
			const parsed = links.parse(v.link);
			expect(parsed.ok).toBe('password');
			if (parsed.ok !== 'password') continue;
			const opened = await links.unprotect(parsed.payload, v.password);
			expect(opened.ok && links.format(opened.cap)).toBe(v.inner);
			// No normalisation: the same text in another Unicode form is another password.
			if (v.password !== v.password.normalize('NFD')) {
				const other = await links.unprotect(parsed.payload, v.password.normalize('NFD'));
				expect(other.ok).toBe(false);
			}
		}
	});

	it('a page body decodes to the documented element tree', () => {
		const doc = new Y.Doc({ gc: false });
		Y.applyUpdate(doc, hex(all.pageBody.update));
		const body = doc.getMap('bodies').get(all.pageBody.pageId) as Y.XmlFragment;
		expect(body.toString()).toBe(all.pageBody.xml);
		expect(Y.decodeStateVector(Y.encodeStateVector(doc)).has(all.pageBody.clientID)).toBe(true);
	});
});

describe('test vectors: presence and framing', () => {
	const all = JSON.parse(readFileSync('docs/test-vectors.json', 'utf8')) as {
		deviceTags: Array<{ deviceSecret: string; spaceId: string; clientId: number; tag: string }>;
		sealedPresence: { readKey: string; nonce: string; json: string; s: string };
		framing: {
			frameSize: number;
			small: { message: string; frames: string[] };
			big: { frames: Array<{ head: string; length: number; sha256: string }> };
		};
	};

	it('device tags, recomputed with Node’s own SHA-512', () => {
		for (const v of all.deviceTags) {
			const id = Buffer.alloc(4);
			id.writeUInt32BE(v.clientId);
			const digest = createHash('sha512')
				.update('commonplace/v1/device')
				.update(hex(v.deviceSecret))
				.update(v.spaceId, 'utf8')
				.update(id)
				.digest();
			expect(digest.subarray(0, 8).toString('hex')).toBe(v.tag);
		}
	});

	it('a sealed presence state opens to its JSON, and sealing gives the same bytes', () => {
		const v = all.sealedPresence;
		const bytes = fromB64url(v.s) as Uint8Array;
		expect(toHex(bytes.subarray(0, 24))).toBe(v.nonce);
		const plain = nacl.secretbox.open(bytes.subarray(24), bytes.subarray(0, 24), hex(v.readKey));
		expect(new TextDecoder().decode(plain as Uint8Array)).toBe(v.json);
		expect(sealPresence(hex(v.readKey), JSON.parse(v.json), hex(v.nonce))).toBe(v.s);
	});

	it('frames, rebuilt by hand from the layout', () => {
		const v = all.framing;
		expect(v.small.frames).toEqual([`00${v.small.message}`]);
		const message = Uint8Array.from({ length: 70_000 }, (_, i) => i & 0xff);
		const first = concat(
			new Uint8Array([1, 0, 1, 0x11, 0x70]),
			message.subarray(0, v.frameSize - 5)
		);
		const next = concat(new Uint8Array([2]), message.subarray(v.frameSize - 5));
		const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
		expect(v.big.frames).toEqual([
			{ head: '0100011170', length: first.length, sha256: sha(first) },
			{ head: '02', length: next.length, sha256: sha(next) }
		]);
	});
});
