// One address for a service of several nodes, as a load balancer gives it: each new TCP
// connection goes to the first node that accepts it, in order. A node that is gone is skipped.
import { connect, createServer, type Socket } from 'node:net';

export interface FailoverProxy {
	url: string;
	close(): Promise<void>;
}

export async function failoverProxy(ports: number[]): Promise<FailoverProxy> {
	const sockets = new Set<Socket>();
	const server = createServer((client) => {
		sockets.add(client);
		client.once('close', () => sockets.delete(client));
		// reason: a client that goes away mid-connection is simply dropped.
		client.on('error', () => client.destroy());
		client.pause();
		const attempt = (index: number) => {
			if (index >= ports.length) return void client.destroy();
			const upstream = connect(ports[index] as number, '127.0.0.1');
			let connected = false;
			upstream.once('connect', () => {
				connected = true;
				sockets.add(upstream);
				upstream.once('close', () => {
					sockets.delete(upstream);
					client.destroy();
				});
				client.once('close', () => upstream.destroy());
				client.pipe(upstream);
				upstream.pipe(client);
				client.resume();
			});
			upstream.on('error', () => {
				upstream.destroy();
				if (!connected) attempt(index + 1);
			});
		};
		attempt(0);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as { port: number };
	return {
		url: `ws://127.0.0.1:${port}`,
		async close() {
			for (const socket of sockets) socket.destroy();
			await new Promise((resolve) => server.close(resolve));
		}
	};
}
