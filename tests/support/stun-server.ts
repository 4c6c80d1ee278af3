// A minimal STUN server (RFC 5389 Binding only) on 127.0.0.1, for testing the settings page's
// ICE check without the internet. It answers every Binding Request with a fixed mapped address
// from the documentation range, as a server seen from behind a NAT would.
import { createSocket } from 'node:dgram';

const MAGIC = 0x2112a442;

export async function stunServer(mapped = { address: '203.0.113.7', port: 40_000 }) {
	const socket = createSocket('udp4');
	let answered = 0;
	socket.on('message', (request, from) => {
		if (request.length < 20 || request.readUInt16BE(0) !== 0x0001) return;
		if (request.readUInt32BE(4) !== MAGIC) return;
		const response = Buffer.alloc(20 + 12);
		response.writeUInt16BE(0x0101, 0); // Binding Success Response
		response.writeUInt16BE(12, 2); // one attribute
		request.copy(response, 4, 4, 20); // magic cookie + transaction id
		response.writeUInt16BE(0x0020, 20); // XOR-MAPPED-ADDRESS
		response.writeUInt16BE(8, 22);
		response.writeUInt8(0x01, 25); // IPv4
		response.writeUInt16BE(mapped.port ^ (MAGIC >>> 16), 26);
		const ip = mapped.address.split('.').reduce((n, part) => (n << 8) | Number(part), 0) >>> 0;
		response.writeUInt32BE((ip ^ MAGIC) >>> 0, 28);
		answered++;
		socket.send(response, from.port, from.address);
	});
	await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
	return {
		url: `stun:127.0.0.1:${socket.address().port}`,
		answered: () => answered,
		close: () => new Promise<void>((resolve) => socket.close(() => resolve()))
	};
}
