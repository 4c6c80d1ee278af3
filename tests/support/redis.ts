// A real redis-server for tests (Debian's, installed by `npm test` when it runs as root), on a
// free port of 127.0.0.1, in a temporary directory. Tests that need it skip, saying why, where
// it is not installed.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Why Redis tests cannot run here, or null when they can. */
export const redisMissing: string | null =
	spawnSync('redis-server', ['--version']).status === 0
		? null
		: 'redis-server is not installed (npm test installs it when run as root: apt-get install redis-server)';

async function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address() as { port: number };
			server.close(() => resolve(port));
		});
	});
}

export interface RedisProcess {
	url: string;
	port: number;
	/** Kills it (SIGKILL), as a crash would. */
	kill(): Promise<void>;
	/** Starts it again on the same port and directory. */
	restart(): Promise<void>;
	stop(): Promise<void>;
}

/** Starts redis-server; `persist` keeps an append-only file fsynced on every write. */
export async function startRedis(persist = false): Promise<RedisProcess> {
	const port = await freePort();
	const dir = mkdtempSync(join(tmpdir(), 'cp-redis-'));
	let child: ChildProcess | null = null;
	const args = [
		'--port',
		String(port),
		'--bind',
		'127.0.0.1',
		'--dir',
		dir,
		'--save',
		'',
		...(persist ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'])
	];
	const start = () =>
		new Promise<void>((resolve, reject) => {
			const started = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
			child = started;
			let output = '';
			const timer = setTimeout(
				() => reject(new Error(`redis-server did not start:\n${output}`)),
				10_000
			);
			started.stdout?.on('data', (chunk: Buffer) => {
				output += chunk.toString();
				if (output.includes('Ready to accept connections')) {
					clearTimeout(timer);
					resolve();
				}
			});
			started.once('exit', (code) => {
				clearTimeout(timer);
				reject(new Error(`redis-server exited (${code}):\n${output}`));
			});
		});
	const kill = async () => {
		const running = child;
		child = null;
		if (running === null || running.exitCode !== null) return;
		await new Promise((resolve) => {
			running.once('exit', resolve);
			running.kill('SIGKILL');
		});
	};
	await start();
	return {
		url: `redis://127.0.0.1:${port}`,
		port,
		kill,
		restart: start,
		async stop() {
			await kill();
			rmSync(dir, { recursive: true, force: true });
		}
	};
}
