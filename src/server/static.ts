import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { RequestError } from './errors.js';

/**
 * The web application (web/, built by Vite into dist/web) served by the API's own server: its files under their
 * paths, and index.html for every other GET that is not /api/… (the app routes on the client: /customers/42
 * reloads into the app). Unknown /api/ paths keep the JSON 404.
 */

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/**
 * Where the built app is: WINBACK_WEB_DIR, else dist/web beside the compiled server (dist/server → dist/web),
 * else dist/web of the checkout when the server runs from source (tests, tsx).
 */
export function webAppDir(): string | null {
  const candidates = [
    process.env.WINBACK_WEB_DIR,
    fileURLToPath(new URL('../web/', import.meta.url)),
    fileURLToPath(new URL('../../dist/web/', import.meta.url)),
  ];
  for (const dir of candidates) if (dir && existsSync(join(dir, 'index.html'))) return resolve(dir);
  return null;
}

const COMPRESSIBLE = new Set(['.js', '.mjs', '.css', '.svg', '.json']);

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>winback</title></head>
<body style="font-family:system-ui,sans-serif;max-width:640px;margin:60px auto;line-height:1.5">
<h1>winback</h1><p>The web application is not built yet. Run <code>npm run build</code> (<code>npm install</code> does it for you)
and restart the server. The HTTP API is running: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>.</p></body></html>`;

export function registerWebApp(app: FastifyInstance, dir: string | null = webAppDir()): void {
  const gzipped = new Map<string, Buffer>();
  app.get('/*', (request, reply) => {
    const path = decodeURIComponent(request.url.split('?')[0] ?? '/');
    if (path === '/api' || path.startsWith('/api/')) {
      throw new RequestError('not_found', `no such resource: ${request.method} ${request.url}`);
    }
    if (!dir) return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(NOT_BUILT);
    const file = resolve(dir, '.' + path);
    if (file.startsWith(dir + sep) && existsSync(file) && statSync(file).isFile()) {
      // Vite names the files under assets/ by their content hash: they never change under the same name.
      const immutable = file.startsWith(join(dir, 'assets') + sep);
      reply.type(TYPES[extname(file)] ?? 'application/octet-stream').header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
      // The hashed scripts and styles are compressed once and kept: the charts' chunk shrinks to a third.
      if (immutable && COMPRESSIBLE.has(extname(file)) && /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''))) {
        let gz = gzipped.get(file);
        if (!gz) gzipped.set(file, (gz = gzipSync(readFileSync(file))));
        return reply.header('content-encoding', 'gzip').header('vary', 'accept-encoding').send(gz);
      }
      return reply.send(createReadStream(file));
    }
    // A missing asset is a 404; any other path is a page of the app.
    if (extname(path) !== '' && !path.endsWith('.html')) {
      throw new RequestError('not_found', `no such file: ${path}`);
    }
    return reply.type(TYPES['.html']!).header('cache-control', 'no-cache').send(createReadStream(join(dir, 'index.html')));
  });
}
