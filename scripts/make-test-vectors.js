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

await vite.close();
const out = {
	about:
		'Test vectors for docs/protocol.md. All byte strings are lowercase hex unless a field says otherwise.',
	spaces,
	envelopes
};
writeFileSync('docs/test-vectors.json', JSON.stringify(out, null, '\t') + '\n');
console.log(
	`wrote ${spaces.length} spaces and ${envelopes.length} envelopes to docs/test-vectors.json`
);
