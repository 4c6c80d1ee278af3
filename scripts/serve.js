// Serves the static build (build/) on 127.0.0.1. Any static host works the same way; this one
// exists so `npm start` and the end-to-end tests need nothing but Node.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES = {
	'.html': 'text/html; charset=utf-8',
	'.js': 'text/javascript; charset=utf-8',
	'.css': 'text/css; charset=utf-8',
	'.json': 'application/json',
	'.webmanifest': 'application/manifest+json',
	'.svg': 'image/svg+xml',
	'.png': 'image/png',
	'.ico': 'image/x-icon',
	'.txt': 'text/plain; charset=utf-8',
	'.woff2': 'font/woff2'
};

/**
 * Sent with every response. The page's own Content-Security-Policy is a meta tag in each
 * prerendered page (svelte.config.js), but a meta tag cannot say frame-ancestors: no site may
 * frame the app (clickjacking a share or delete button). A static host must send these too
 * (README § Deploying).
 */
export const SECURITY_HEADERS = {
	'content-security-policy': "frame-ancestors 'none'",
	'x-content-type-options': 'nosniff',
	'referrer-policy': 'no-referrer'
};

/** Starts the server; resolves with it once listening. */
export function serve({ root, port, host = '127.0.0.1', quiet = false }) {
	const base = resolve(root);
	const server = createServer((req, res) => {
		const url = new URL(req.url ?? '/', 'http://localhost');
		let path;
		try {
			path = normalize(join(base, decodeURIComponent(url.pathname)));
		} catch {
			res.writeHead(400, SECURITY_HEADERS).end('Bad request');
			return;
		}
		if (path !== base && !path.startsWith(base + sep)) {
			res.writeHead(403, SECURITY_HEADERS).end('Forbidden');
			return;
		}
		if (existsSync(path) && statSync(path).isDirectory()) {
			if (!url.pathname.endsWith('/')) {
				res
					.writeHead(301, { ...SECURITY_HEADERS, location: `${url.pathname}/${url.search}` })
					.end();
				return;
			}
			path = join(path, 'index.html');
		}
		if (!existsSync(path) || !statSync(path).isFile()) {
			res.writeHead(404, { ...SECURITY_HEADERS, 'content-type': 'text/plain' }).end('Not found');
			return;
		}
		const immutable = url.pathname.includes('/_app/immutable/');
		res.writeHead(200, {
			...SECURITY_HEADERS,
			'content-type': TYPES[extname(path)] ?? 'application/octet-stream',
			'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache'
		});
		createReadStream(path).pipe(res);
	});
	return new Promise((resolvePromise, reject) => {
		server.once('error', reject);
		server.listen(port, host, () => {
			if (!quiet) console.log(`Commonplace is at http://${host}:${port}/`);
			resolvePromise(server);
		});
	});
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
	const port = Number(process.env.PORT ?? 5173);
	serve({ root: process.env.ROOT ?? 'build', port, host: process.env.HOST ?? '127.0.0.1' }).catch(
		(error) => {
			console.error(`Could not serve on port ${port}: ${error.message}`);
			process.exit(1);
		}
	);
}
