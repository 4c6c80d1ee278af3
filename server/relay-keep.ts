// An operator's command: ask a relay to keep a space, given the space's relay link (`b1`, which
// can check and store the space but read nothing). It speaks the relay protocol like any
// member (sync/relay-session.ts) over a WebSocket, so it works against a running relay and
// under its quotas. `npm run server -- keep <b1-link> [relay address]`.
import { WebSocket } from 'ws';
import * as links from '../src/lib/crypto/links';
import type { RelayCapability } from '../src/lib/crypto/capability';
import { createLogDoc } from '../src/lib/log/log-doc';
import { RelaySession } from '../src/lib/sync/relay-session';

const READS =
	'This link can read the space: a relay needs only its relay link. In the app, open the space, then Share → “A relay link, for whoever runs a relay”, and give the relay that.';

/** Resolves with a sentence saying what happened; rejects with one saying why not. */
export async function keepOnRelay(
	link: string,
	relayUrl: string,
	timeoutMs = 15_000
): Promise<string> {
	const hash = link.includes('#') ? link.slice(link.indexOf('#') + 1) : link;
	const parsed = links.parse(hash);
	if (parsed.ok === 'password') throw new Error('This is a password link. ' + READS);
	if (parsed.ok === false) throw new Error(parsed.error);
	if (parsed.cap.kind !== 'relay') throw new Error(READS);
	const cap = parsed.cap as RelayCapability;
	const log = createLogDoc();
	const socket = new WebSocket(relayUrl);
	socket.binaryType = 'arraybuffer';
	const session = new RelaySession({
		log,
		cap,
		keep: true,
		send: (bytes) => {
			if (socket.readyState === socket.OPEN) socket.send(bytes);
		}
	});
	try {
		return await new Promise<string>((resolve, reject) => {
			const timer = setTimeout(
				() =>
					reject(
						new Error(`The relay at ${relayUrl} did not answer within ${timeoutMs / 1000} s.`)
					),
				timeoutMs
			);
			const done = (settle: () => void) => {
				clearTimeout(timer);
				settle();
			};
			session.on('joined', () =>
				done(() => resolve(`The relay at ${relayUrl} keeps space ${cap.room}.`))
			);
			session.on('refused', (code) =>
				done(() => reject(new Error(`The relay at ${relayUrl} refused: ${code}.`)))
			);
			socket.on('message', (data: ArrayBuffer) => session.receive(new Uint8Array(data)));
			socket.on('error', (error) =>
				done(() => reject(new Error(`Could not reach the relay at ${relayUrl}: ${error.message}`)))
			);
		});
	} finally {
		session.destroy();
		socket.close();
		log.destroy();
	}
}
