import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type FastifyInstance, type FastifyReply } from 'fastify';

/** Where the dashboard's scripts and styles are served; index.html names them relative to `/`. */
export const DASHBOARD_ASSETS_PATH = '/dashboard/assets';

/**
 * Only this origin's own files, and fetches to the API beside them: a task's name or log line that slipped into markup
 * could still run nothing (no inline script, no other origin, no plugins, no framing).
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Readonly<Record<string, string>> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.map': 'application/json; charset=utf-8' };

interface StaticFile {
  readonly body: Buffer;
  readonly type: string;
  readonly etag: string;
}

const MISSING_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Capstan TES server</title></head><body>
<h1>Capstan TES server</h1><p>The dashboard is not in this build (its files were not found beside the server).
The API answers at <a href="ga4gh/tes/v1/service-info">/ga4gh/tes/v1</a>, its documentation at <a href="ga4gh/tes/v1/docs">/ga4gh/tes/v1/docs</a>.</p></body></html>
`;

/**
 * Serves the built dashboard: `/` its page (revalidated on every load, so a new build shows at once) and
 * `/dashboard/assets/<name>` its scripts and styles, named by content hash and so cached for a year. The files are read
 * once, here: a request never reaches the file system, so no path a client sends can name another file. No
 * authentication: the page holds no data, and asks for the token before it calls the API.
 */
export function installDashboard(app: FastifyInstance, dir: string | undefined): void {
  const page = dir !== undefined && existsSync(join(dir, 'index.html')) ? readFileSync(join(dir, 'index.html')) : Buffer.from(MISSING_PAGE);
  const index = staticFile(page, 'text/html; charset=utf-8');
  const assets = new Map<string, StaticFile>();
  const assetsDir = dir === undefined ? undefined : join(dir, 'assets');
  if (assetsDir !== undefined && existsSync(assetsDir)) {
    for (const name of readdirSync(assetsDir)) {
      const type = TYPES[name.slice(name.lastIndexOf('.'))];
      // Regular files only: a symlink in the folder could name any file the server may read.
      if (type !== undefined && lstatSync(join(assetsDir, name)).isFile()) assets.set(name, staticFile(readFileSync(join(assetsDir, name)), type));
    }
  }
  app.get('/', (request, reply) => send(reply, index, request.headers['if-none-match'], 'no-cache'));
  app.get(`${DASHBOARD_ASSETS_PATH}/:name`, (request, reply) => {
    const file = assets.get((request.params as { name: string }).name);
    if (file === undefined) return reply.code(404).type('text/plain; charset=utf-8').send('no such dashboard file\n');
    return send(reply, file, request.headers['if-none-match'], 'public, max-age=31536000, immutable');
  });
}

function staticFile(body: Buffer, type: string): StaticFile {
  return { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` };
}

function send(reply: FastifyReply, file: StaticFile, ifNoneMatch: string | undefined, cacheControl: string): FastifyReply {
  reply
    .header('content-security-policy', DASHBOARD_CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('cache-control', cacheControl)
    .header('etag', file.etag);
  if (ifNoneMatch === file.etag) return reply.code(304).send();
  return reply.type(file.type).send(file.body);
}
