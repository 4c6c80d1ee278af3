// Writes docs/test-vectors.json from fixed inputs with the app's own modules, so a third party
// can check an implementation byte for byte. Run after changing the protocol (and say why in
// docs/protocol.md): node scripts/make-test-vectors.js
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'vite';

const vite = await createServer({
	configFile: false,
	logLevel: 'error',
	server: { middlewareMode: true },
	appType: 'custom'
});
const load = (path) => vite.ssrLoadModule(path);
const bytes = await load('/src/lib/crypto/bytes.ts');
const capability = await load('/src/lib/crypto/capability.ts');
const envelope = await load('/src/lib/crypto/envelope.ts');
const links = await load('/src/lib/crypto/links.ts');
const signing = await load('/src/lib/crypto/signing.ts');

const secrets = [
	Uint8Array.from({ length: 32 }, (_, i) => i),
	new Uint8Array(32).fill(0xa5),
	Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff)
];
const hex = bytes.toHex;
const vectorJson = (vector) => (vector === null ? null : Object.fromEntries(vector));

const spaces = secrets.map((secret) => {
	const cap = capability.fromSecret(secret);
	return {
		secret: hex(secret),
		signPk: hex(cap.signPk),
		readKey: hex(cap.readKey),
		relayKey: hex(cap.relayKey),
		topic: cap.topic,
		room: cap.room,
		links: {
			w1: links.format(cap),
			r1: links.format(capability.toView(cap)),
			b1: links.format(capability.toRelay(cap))
		}
	};
});

const envelopes = [];
const cases = [
	{ space: 0, kind: envelope.KIND_UPDATE, covers: null, body: 'hello, commonplace #1' },
	{
		space: 1,
		kind: envelope.KIND_SNAPSHOT,
		covers: new Map([
			[3141592653, 12],
			[27, 300]
		]),
		body: 'hello, commonplace #2'
	},
	{ space: 2, kind: envelope.KIND_SNAPSHOT, covers: new Map(), body: 'hello, commonplace #3' }
];
for (const [n, c] of cases.entries()) {
	const cap = capability.fromSecret(secrets[c.space]);
	const nonce = Uint8Array.from({ length: 24 }, (_, i) => (0x40 + i + n) & 0xff);
	const body = bytes.utf8(c.body);
	const signer = await signing.createSigner(cap.signSeed, 'tweetnacl');
	const options = c.covers === null ? { nonce } : { nonce, covers: c.covers };
	const sealed = await envelope.seal(cap, signer, c.kind, body, options);
	envelopes.push({
		space: c.space,
		version: 2,
		kind: c.kind,
		covers: vectorJson(c.covers),
		nonce: hex(nonce),
		body: hex(body),
		bytes: hex(sealed)
	});
}
// Version 1 envelopes, sealed by earlier releases: they must still open (and never sanction a
// deletion). Kept as they were first published.
const legacy = JSON.parse(readFileSync('docs/test-vectors.json', 'utf8'));
const v1 = Array.isArray(legacy)
	? legacy.map((v, space) => ({
			space,
			version: 1,
			kind: v.envelope.kind,
			covers: null,
			...v.envelope
		}))
	: legacy.envelopes.filter((e) => e.version === 1);
for (const e of v1) envelopes.push({ ...e, kind: e.kind, covers: null });

// Password links: what is hashed is the UTF-8 of the password exactly as typed (no Unicode
// normalisation, no trimming), so links made by earlier versions keep opening.
const passwordLinks = [];
for (const [n, password] of ['correct horse battery staple', 'Ünïcødé pässwörd ✓ 12'].entries()) {
	const cap = capability.fromSecret(secrets[n]);
	const inner = n === 0 ? links.format(capability.toView(cap)) : links.format(cap);
	const salt = Uint8Array.from({ length: 16 }, (_, i) => (0x10 + i + n) & 0xff);
	const nonce = Uint8Array.from({ length: 24 }, (_, i) => (0x80 + i + n) & 0xff);
	passwordLinks.push({
		inner,
		password,
		passwordUtf8: hex(bytes.utf8(password)),
		salt: hex(salt),
		nonce: hex(nonce),
		iterations: links.PBKDF2_ITERATIONS,
		link: await links.protect(inner, password, salt, nonce)
	});
}

// A real page body: what the editor stores for a small page, as a Yjs update of a content doc
// written by one client with a fixed id (so the bytes are reproducible).
// Node's own copies (one Yjs instance for the doc and y-prosemirror alike).
const Y = await import('yjs');
const { prosemirrorJSONToYXmlFragment } = await import('y-prosemirror');
const { contentSchema } = await load('/src/lib/editor/extensions.ts');
const pageJson = {
	type: 'doc',
	content: [
		{ type: 'heading', attrs: { level: 2 }, content: [{ type: 'text', text: 'Plan' }] },
		{
			type: 'paragraph',
			content: [
				{ type: 'text', text: 'Bring ' },
				{ type: 'text', marks: [{ type: 'bold' }], text: 'maps' },
				{ type: 'text', text: ' and ' },
				{
					type: 'text',
					marks: [{ type: 'link', attrs: { href: 'https://example.org/' } }],
					text: 'tickets'
				}
			]
		},
		{
			type: 'taskList',
			content: [
				{
					type: 'taskItem',
					attrs: { checked: true },
					content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Book train' }] }]
				}
			]
		}
	]
};
const body = new Y.Doc({ gc: false });
body.clientID = 42;
const pageId = 'AAAAAAAAAAAAAAAAAAAAAA';
prosemirrorJSONToYXmlFragment(
	contentSchema(),
	pageJson,
	body.getMap('bodies').set(pageId, new Y.XmlFragment())
);
const pageBody = {
	clientID: 42,
	pageId,
	prosemirror: pageJson,
	xml: body.getMap('bodies').get(pageId).toString(),
	update: hex(Y.encodeStateAsUpdate(body))
};

// Presence: the device tag, and one sealed state (its JSON exactly as sealed).
const presence = await load('/src/lib/crypto/presence.ts');
const deviceSecret = Uint8Array.from({ length: 16 }, (_, i) => i);
const spaceId = '0123456789abcdef0123456789abcdef';
const deviceTags = [1, 0xdeadbeef].map((clientId) => ({
	deviceSecret: hex(deviceSecret),
	spaceId,
	clientId,
	tag: presence.deviceTag(deviceSecret, spaceId, clientId)
}));
const presenceKey = Uint8Array.from({ length: 32 }, (_, i) => 0x20 + i);
const presenceNonce = Uint8Array.from({ length: 24 }, (_, i) => 0x40 + i);
const presenceState = {
	user: { name: 'Ada', color: '#0090ff' },
	page: 'pAgE-id_0001',
	role: 'edit',
	cursor: {
		anchor: { type: { client: 1, clock: 2 }, assoc: -1 },
		head: { item: { client: 1, clock: 5 }, assoc: 0 }
	},
	id: 3735928559,
	t: 1750000000000,
	device: deviceTags[1].tag
};
const sealedPresence = {
	readKey: hex(presenceKey),
	nonce: hex(presenceNonce),
	json: JSON.stringify(presenceState),
	s: presence.sealPresence(presenceKey, presenceState, presenceNonce)
};

// Framing on a data channel: a small message whole, and a big one in frames of 65,536 bytes
// (the size used when the peer does not say what it accepts), through the app's own channel.
const { ChunkedChannel } = await load('/src/lib/sync/chunked-channel.ts');
const { createHash } = await import('node:crypto');
const frames = (message) => {
	const sent = [];
	const raw = {
		binaryType: 'arraybuffer',
		label: 'vectors',
		readyState: 'open',
		bufferedAmount: 0,
		bufferedAmountLowThreshold: 0,
		onmessage: null,
		onopen: null,
		onclose: null,
		onerror: null,
		onbufferedamountlow: null,
		send: (frame) => sent.push(new Uint8Array(frame)),
		close() {}
	};
	new ChunkedChannel(raw).send(message);
	return sent;
};
const bigMessage = Uint8Array.from({ length: 70_000 }, (_, i) => i & 0xff);
const framing = {
	frameSize: 65536,
	small: { message: hex(bytes.utf8('hello')), frames: frames(bytes.utf8('hello')).map(hex) },
	big: {
		message: 'bytes i & 0xff for i = 0 … 69,999',
		frames: frames(bigMessage).map((frame) => ({
			head: hex(frame.subarray(0, frame[0] === 1 ? 5 : 1)),
			length: frame.length,
			sha256: createHash('sha256').update(frame).digest('hex')
		}))
	}
};

await vite.close();
const out = {
	about:
		'Test vectors for docs/protocol.md. All byte strings are lowercase hex unless a field says otherwise.',
	spaces,
	envelopes,
	passwordLinks,
	pageBody,
	deviceTags,
	sealedPresence,
	framing
};
writeFileSync('docs/test-vectors.json', JSON.stringify(out, null, '\t') + '\n');
console.log(
	`wrote ${spaces.length} spaces and ${envelopes.length} envelopes to docs/test-vectors.json`
);
