// Raw-frame helpers for the signaling server: nesting measured on the bytes, the message in a
// frame, a publish relayed as received plus `clients`. Nothing recurses on or re-serialises what
// a peer sent (JSON.stringify of data nested 5,000 deep overflows the stack).

const OPEN_BRACE = 0x7b; // {
const OPEN_BRACKET = 0x5b; // [
const CLOSE_BRACE = 0x7d; // }
const CLOSE_BRACKET = 0x5d; // ]
const QUOTE = 0x22; // "
const BACKSLASH = 0x5c;

/**
 * True if no object or array in `bytes` nests deeper than `max` (the frame itself is depth 1).
 * One pass, no recursion; brackets inside strings do not count. UTF-8 continuation bytes are
 * all ≥ 0x80, so they never look like these ASCII characters. Invalid JSON gets an answer that
 * does not matter: the parser refuses it next.
 * @param {Uint8Array} bytes
 * @param {number} max
 */
export function withinDepth(bytes, max) {
	let depth = 0;
	let inString = false;
	for (let i = 0; i < bytes.length; i++) {
		const byte = bytes[i];
		if (inString) {
			if (byte === BACKSLASH) i++;
			else if (byte === QUOTE) inString = false;
		} else if (byte === QUOTE) inString = true;
		else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
			if (++depth > max) return false;
		} else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) depth--;
	}
	return true;
}

/** JSON's whitespace: space, tab, line feed, carriage return. @param {number | undefined} byte */
const isSpace = (byte) => byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;

/**
 * The publish frame `raw` (text that parsed as a JSON object) with `"clients":<count>` added as
 * its last member, as y-webrtc's own server adds it. Stock y-webrtc clients do not read `clients`
 * (y-webrtc.js, the 'publish' case, reads only `topic` and `data`), nor does the app; it is kept
 * because it costs one copy per publish (not per receiver) and keeps the wire identical to
 * y-webrtc's server for any tool that does read it. If the sender put its own `clients` in, ours
 * comes last, and JSON.parse keeps the last of duplicate keys. Returns `raw` unchanged if it does
 * not end in `}` (it always does once parsed as an object; checked rather than assumed).
 * @param {Buffer} raw
 * @param {number} count
 */
export function withClients(raw, count) {
	let end = raw.length - 1;
	while (end >= 0 && isSpace(raw[end])) end--;
	if (raw[end] !== CLOSE_BRACE) return raw;
	let last = end - 1;
	while (last >= 0 && isSpace(raw[last])) last--;
	const member = `${raw[last] === OPEN_BRACE ? '' : ','}"clients":${count}}`;
	return Buffer.concat([raw.subarray(0, end), Buffer.from(member)]);
}

/**
 * The JSON object with a string `type` in a text frame, or undefined for anything else.
 * @param {Buffer} data
 * @returns {Record<string, unknown> & { type: string } | undefined}
 */
export function parse(data) {
	let message;
	try {
		message = JSON.parse(data.toString('utf8'));
	} catch {
		// reason: counted by the caller, and otherwise ignored: a peer's garbage reaches nobody.
		return undefined;
	}
	if (typeof message !== 'object' || message === null || typeof message.type !== 'string') {
		return undefined;
	}
	return message;
}
