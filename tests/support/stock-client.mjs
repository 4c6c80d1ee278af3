// A stock y-webrtc client (y-webrtc + Yjs, none of Commonplace's code) in Node, a real WebRTC
// peer through @roamhq/wrtc. For interop tests: run it as a child process (y-webrtc keeps one
// room per process). Arguments: room, password ('' for none), signaling URL.
// stdin: one command per line — `insert <text>`; stdout: JSON lines {peers} and {text}.
import wrtc from '@roamhq/wrtc';
import { createInterface } from 'node:readline';
import { WebSocket } from 'ws';
import * as Y from 'yjs';

// Node 20 has no WebSocket of its own; y-webrtc's client (lib0) looks for the global.
globalThis.WebSocket = WebSocket;
const { WebrtcProvider } = await import('y-webrtc');

const [room, password, signaling] = process.argv.slice(2);
const doc = new Y.Doc();
const text = doc.getText('t');
const provider = new WebrtcProvider(room, doc, {
	signaling: [signaling],
	password: password === '' ? null : password,
	peerOpts: { wrtc }
});
const say = (message) => process.stdout.write(`${JSON.stringify(message)}\n`);
// Stock y-webrtc lets a signaling message it cannot decrypt (wrong password) reject unhandled;
// a browser logs that, Node would exit. Count them instead, and stay in the room.
let rejected = 0;
process.on('unhandledRejection', () => say({ rejected: ++rejected }));
// Peers whose data channel is open (y-webrtc's own 'peers' event counts connections it has
// only started to make).
let connected = -1;
setInterval(() => {
	const conns = provider.room ? [...provider.room.webrtcConns.values()] : [];
	const now = conns.filter((conn) => conn.connected).length;
	if (now !== connected) say({ peers: (connected = now) });
}, 100).unref();
// Subscribed once the room exists (its key is derived) and the signaling server is connected.
const waitSubscribed = setInterval(() => {
	if (provider.room !== null && provider.signalingConns.every((conn) => conn.connected)) {
		clearInterval(waitSubscribed);
		setTimeout(() => say({ subscribed: true }), 200);
	}
}, 50);
text.observe(() => say({ text: text.toString() }));
createInterface({ input: process.stdin }).on('line', (line) => {
	if (line.startsWith('insert ')) text.insert(text.length, line.slice('insert '.length));
	if (line === 'quit') {
		provider.destroy();
		setTimeout(() => process.exit(0), 100);
	}
});
say({ ready: true });
