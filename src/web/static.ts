import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** Paths the API owns: an unknown one under them is the API's JSON 404, never the web app. */
const API_PREFIXES = ['/v1', '/docs', '/healthz', '/readyz', '/metrics'];

/** Vite puts every hashed (content-named) file here; a name never changes content, so it may be cached forever. */
const HASHED_ASSETS = '/assets/';
const CACHE_FOREVER = 'public, max-age=31536000, immutable';
/** index.html and unhashed files: the browser revalidates each time, so a new build is seen at once. */
const REVALIDATE = 'no-cache';

/** Read by the page at start (web/src/config.ts): times are shown in the center's time zone. */
export const TIME_ZONE_META = 'cc-time-zone';

const isApiPath = (path: string) => API_PREFIXES.some((p) => path === p || path.startsWith(`${p}/`));

/** A last segment with a dot names a file (an asset, the icon); anything else is a route of the app. */
const namesFile = (path: string) => path.lastIndexOf('.') > path.lastIndexOf('/');

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function notBuiltPage(dir: string): string {
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>503</title></head>
<body style="font-family: sans-serif; margin: 3rem">
<h1>503 — 网页应用尚未构建 / The web application is not built</h1>
<p>请运行 <code>npm run build:web</code>。Run <code>npm run build:web</code>, then reload.</p>
<p>(${escapeHtml(dir)}/index.html is missing; the API under /v1 works.)</p>
</body></html>
`;
}

/**
 * Serves the built web application (web.dir) at /: hashed assets cached for a year, index.html never
 * cached and answered for every path that is not a file (the app's own routes, e.g. /agent), with the
 * center's time zone in a meta tag. The API's paths are left alone. Without a build it answers 503 with
 * a page that says so, and serves the build as soon as it appears.
 */
export default async function webApp(app: FastifyInstance): Promise<void> {
  const root = resolve(app.config.web.dir);
  const indexFile = join(root, 'index.html');
  const timeZoneMeta = `<meta name="${TIME_ZONE_META}" content="${escapeHtml(app.config.ivr.timezone)}">`;
  if (!existsSync(indexFile)) {
    app.log.warn({ dir: root }, 'web app not built (npm run build:web): / answers 503 until it is');
  }

  // Only the reply.sendFile decorator (path checks, ranges, ETag): the routing is below.
  await app.register(fastifyStatic, { root, serve: false, suppressWarning: true });

  const sendIndex = async (reply: FastifyReply) => {
    const html = await readFile(indexFile, 'utf8');
    return reply
      .type('text/html; charset=utf-8')
      .header('cache-control', REVALIDATE) // security headers: api/plugins/browser-policy.ts
      .send(html.replace('</head>', `${timeZoneMeta}</head>`));
  };

  app.get(
    '/*',
    // Public: the page must load before anyone signs in. Logged as any request: an unknown API path
    // passes through here on its way to the 404.
    { config: { public: true }, schema: { hide: true } },
    async (request, reply) => {
      // Still URL-encoded: send decodes it, and refuses '..' and dotfiles.
      const path = request.url.split('?')[0]!;
      if (isApiPath(path)) return reply.callNotFound();
      if (!existsSync(indexFile)) {
        return reply
          .status(503)
          .type('text/html; charset=utf-8')
          .header('cache-control', 'no-store')
          .send(notBuiltPage(app.config.web.dir));
      }
      if (!namesFile(path) || path === '/index.html') return sendIndex(reply);
      const hashed = path.startsWith(HASHED_ASSETS);
      reply.header('cache-control', hashed ? CACHE_FOREVER : REVALIDATE);
      // A missing file gets the not-found handler (the JSON 404).
      return reply.sendFile(path.slice(1), { cacheControl: false, dotfiles: 'deny' });
    },
  );
}
