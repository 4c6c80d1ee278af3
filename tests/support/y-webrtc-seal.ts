// What y-webrtc publishes for a room, sealed as anyone holding the room key would seal it:
// varString('AES-GCM') ‖ varUint8Array(iv) ‖ varUint8Array(AES-GCM(encodeAny(value))), base64.
// (y-webrtc's own crypto.js is not among its package's exports.)
import * as buffer from 'lib0/buffer';
import * as encoding from 'lib0/encoding';

export async function sealForRoom(roomKey: CryptoKey, value: unknown): Promise<string> {
	const plain = encoding.createEncoder();
	encoding.writeAny(plain, value as never);
	const iv = crypto.getRandomValues(new Uint8Array(12));
	const cipher = await crypto.subtle.encrypt(
		{ name: 'AES-GCM', iv },
		roomKey,
		encoding.toUint8Array(plain)
	);
	const out = encoding.createEncoder();
	encoding.writeVarString(out, 'AES-GCM');
	encoding.writeVarUint8Array(out, iv);
	encoding.writeVarUint8Array(out, new Uint8Array(cipher));
	return buffer.toBase64(encoding.toUint8Array(out));
}
