// Writes docs/test-vectors.json from fixed inputs with the app's own crypto modules.
// Run after changing the protocol (and say why in docs/protocol.md): node scripts/make-test-vectors.js
import { writeFileSync } from 'node:fs';
import { createServer } from 'vite';

const vite = await createServer({
	configFile: false,
	logLevel: 'error',
	server: { middlewareMode: true },
	appType: 'custom'
});
const bytes = await vite.ssrLoadModule('/src/lib/crypto/bytes.ts');
const capability = await vite.ssrLoadModule('/src/lib/crypto/capability.ts');
const envelope = await vite.ssrLoadModule('/src/lib/crypto/envelope.ts');
const links = await vite.ssrLoadModule('/src/lib/crypto/links.ts');
const signing = await vite.ssrLoadModule('/src/lib/crypto/signing.ts');

const secrets = [
	Uint8Array.from({ length: 32 }, (_, i) => i),
	new Uint8Array(32).fill(0xa5),
	Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff)
];
const vectors = [];
for (const [n, secret] of secrets.entries()) {
	const cap = capability.fromSecret(secret);
	const nonce = Uint8Array.from({ length: 24 }, (_, i) => (0x40 + i + n) & 0xff);
	const body = bytes.utf8(`hello, commonplace #${n + 1}`);
	const kind = n === 1 ? envelope.KIND_SNAPSHOT : envelope.KIND_UPDATE;
	const signer = await signing.createSigner(cap.signSeed, 'tweetnacl');
	const sealed = await envelope.seal(cap, signer, kind, body, nonce);
	vectors.push({
		secret: bytes.toHex(secret),
		signPk: bytes.toHex(cap.signPk),
		readKey: bytes.toHex(cap.readKey),
		relayKey: bytes.toHex(cap.relayKey),
		topic: cap.topic,
		links: {
			w1: links.format(cap),
			r1: links.format(capability.toView(cap)),
			b1: links.format(capability.toRelay(cap))
		},
		envelope: {
			nonce: bytes.toHex(nonce),
			kind,
			body: bytes.toHex(body),
			bytes: bytes.toHex(sealed)
		}
	});
}
await vite.close();
writeFileSync('docs/test-vectors.json', JSON.stringify(vectors, null, '\t') + '\n');
console.log(`wrote ${vectors.length} vectors to docs/test-vectors.json`);
