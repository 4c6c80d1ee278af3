// Review finding (low): scripts/serve.js — "the reference" host in the README — checks that a
// requested path stays inside its root with `path.startsWith(base)`, without a separator. A
// percent-encoded `..%2F` survives the URL parser, is decoded into `../`, and reaches any
// sibling directory whose name starts with the root's (`build-old/`, `build.bak/`,
// `www-private/` next to `www/`). Fails today.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { serve } from '../../../scripts/serve.js';

const dir = mkdtempSync(join(tmpdir(), 'cp-serve-'));
let server: Server | null = null;
afterAll(async () => {
	await new Promise((resolve) => server?.close(resolve));
	rmSync(dir, { recursive: true, force: true });
});

describe('review: scripts/serve.js stays inside its root', () => {
	it('does not serve a sibling directory that shares the root name as a prefix', async () => {
		mkdirSync(join(dir, 'build'));
		writeFileSync(join(dir, 'build', 'index.html'), '<p>app</p>');
		mkdirSync(join(dir, 'build-private'));
		writeFileSync(join(dir, 'build-private', 'secret.txt'), 'TOP SECRET');
		server = (await serve({ root: join(dir, 'build'), port: 0, quiet: true })) as Server;
		const address = server.address();
		const port = typeof address === 'object' && address ? address.port : 0;
		const response = await fetch(`http://127.0.0.1:${port}/..%2Fbuild-private%2Fsecret.txt`);
		const body = await response.text();
		expect({ status: response.status, leaked: body.includes('TOP SECRET') }).toEqual({
			status: 403,
			leaked: false
		});
	});
});
