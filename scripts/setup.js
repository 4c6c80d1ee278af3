// Shared by `npm start` and `npm test`: installs what is missing, using only Node's standard
// library (this runs before node_modules exists).
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';

export function run(command, args, options = {}) {
	const result = spawnSync(command, args, { stdio: 'inherit', ...options });
	if (result.error) throw result.error;
	return result.status ?? 1;
}

export function must(command, args, what) {
	const status = run(command, args);
	if (status !== 0) {
		console.error(`\n✗ ${what} failed (exit ${status}).`);
		process.exit(status);
	}
}

/** Runs `npm ci` when node_modules is missing or older than package-lock.json. */
export function ensureDependencies() {
	const marker = 'node_modules/.package-lock.json';
	const stale =
		!existsSync(marker) || statSync('package-lock.json').mtimeMs > statSync(marker).mtimeMs + 1000;
	if (!stale) return;
	console.log('Installing dependencies (npm ci)…');
	must('npm', ['ci', '--no-audit', '--no-fund'], 'Installing dependencies');
}

/** The end-to-end tests drive Debian's Chromium; as root, install it when it is missing. */
export function ensureChromium() {
	if (existsSync('/usr/bin/chromium')) return;
	if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
		console.error(
			'Chromium is missing. Install it with: sudo apt-get install -y chromium  (the tests use /usr/bin/chromium)'
		);
		process.exit(1);
	}
	console.log('Installing Chromium from Debian (apt-get install chromium)…');
	const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
	if (run('apt-get', ['update', '-qq'], { env }) !== 0)
		console.warn('apt-get update failed; trying the install anyway');
	const status = run('apt-get', ['install', '-y', '-qq', 'chromium'], { env });
	if (status !== 0 || !existsSync('/usr/bin/chromium')) {
		console.error('Installing Chromium failed; the end-to-end tests cannot run without it.');
		process.exit(1);
	}
}

/**
 * The scale-out tests start a real redis-server (Debian's); as root, install it when missing.
 * Not fatal: without it those tests are skipped, and say why.
 */
export function ensureRedis() {
	if (run('sh', ['-c', 'command -v redis-server >/dev/null'], { stdio: 'ignore' }) === 0) return;
	if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
		console.warn(
			'redis-server is missing, so the Redis (scale-out) tests will be skipped. Install it with: sudo apt-get install -y redis-server'
		);
		return;
	}
	console.log('Installing redis-server from Debian (apt-get install redis-server)…');
	const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
	if (run('apt-get', ['install', '-y', '-qq', 'redis-server'], { env }) !== 0) {
		run('apt-get', ['update', '-qq'], { env });
		if (run('apt-get', ['install', '-y', '-qq', 'redis-server'], { env }) !== 0) {
			console.warn('Installing redis-server failed; the Redis tests will be skipped.');
		}
	}
}
