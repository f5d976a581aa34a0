import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import express, { type Router } from 'express';

/**
 * The agent console at /console: a reference front end built only on the
 * public GraphQL API (HTTP and graphql-ws). No build step and no internet:
 * its ES modules come from this folder and from a fixed allowlist of files in
 * installed packages, wired through an import map.
 */

const APP_DIR = path.join(__dirname, 'app');

/** The package folder (some packages export neither their ESM files nor package.json). */
function packageDir(name: string): string {
  let dir = path.dirname(require.resolve(name));
  while (!fs.existsSync(path.join(dir, 'package.json')) || (JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown }).name !== name) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`package ${name} not found`);
    dir = up;
  }
  return dir;
}

/**
 * graphql-ws's browser build (`dist/client.js`, its package's "browser"
 * export) imports one hashed sibling chunk; both are served side by side so
 * the relative import resolves. The chunk's name is read from the file, so an
 * upgrade of graphql-ws needs no edit here.
 */
function graphqlWsFiles(): Record<string, string> {
  const dist = path.join(packageDir('graphql-ws'), 'dist');
  const client = path.join(dist, 'client.js');
  const files: Record<string, string> = { 'graphql-ws/client.js': client };
  for (const [, rel] of fs.readFileSync(client, 'utf8').matchAll(/from\s*['"]\.\/([\w.-]+\.js)['"]/g)) files[`graphql-ws/${rel}`] = path.join(dist, rel!);
  return files;
}

/** URL path under /console/vendor/ → file. Nothing else in node_modules is reachable. */
export const VENDOR_MODULES: Readonly<Record<string, string>> = Object.freeze({
  'preact.js': path.join(packageDir('preact'), 'dist/preact.module.js'),
  'preact-hooks.js': path.join(packageDir('preact'), 'hooks/dist/hooks.module.js'),
  'htm.js': path.join(packageDir('htm'), 'dist/htm.module.js'),
  ...graphqlWsFiles(),
});

const IMPORT_MAP = JSON.stringify({
  imports: {
    preact: '/console/vendor/preact.js',
    'preact/hooks': '/console/vendor/preact-hooks.js',
    htm: '/console/vendor/htm.js',
    'graphql-ws': '/console/vendor/graphql-ws/client.js',
  },
});

/** The console's own files: every file of app/ except the page, listed once at start. */
const APP_FILES: ReadonlyMap<string, string> = new Map(
  fs
    .readdirSync(APP_DIR)
    .filter((name) => /^[\w-]+\.(js|css|svg)$/.test(name))
    .map((name) => [name, path.join(APP_DIR, name)]),
);

const TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml' };

/** The page, with the import map inlined (the only inline script; allowed by its hash). */
export const consolePage: string = fs.readFileSync(path.join(APP_DIR, 'index.html'), 'utf8').replace('<!--importmap-->', `<script type="importmap">${IMPORT_MAP}</script>`);

export const IMPORT_MAP_HASH = `sha256-${crypto.createHash('sha256').update(IMPORT_MAP).digest('base64')}`;

export const CONSOLE_CSP: string = [
  "default-src 'self'",
  `script-src 'self' '${IMPORT_MAP_HASH}'`,
  "style-src 'self'",
  // Signed attachment links are same-origin; uploaded images previewed before sending are blob: URLs.
  "img-src 'self' blob:",
  "connect-src 'self' ws: wss:",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

function sendFile(res: express.Response, file: string, cache: string): void {
  res.set({ ...SECURITY_HEADERS, 'cache-control': cache, 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
  // The file name comes from the allowlists above, never from the request.
  res.sendFile(file);
}

/** Routes under /console. Unknown paths fall through to the server's 404. */
export function consoleRoutes(): Router {
  const router = express.Router({ strict: true, caseSensitive: true });
  router.get('/', (req, res, next) => {
    // "/console" → "/console/" so relative links would resolve the same everywhere.
    if (req.originalUrl.split('?')[0] === '/console') {
      res.redirect(301, '/console/');
      return;
    }
    if (req.path !== '/') return next();
    res.set({ ...SECURITY_HEADERS, 'cache-control': 'no-cache' });
    res.type('html').send(consolePage);
  });
  router.get(/^\/app\/([^/]+)$/, (req, res, next) => {
    const file = APP_FILES.get((req.params as Record<string, string>)[0]!);
    if (!file) return next();
    sendFile(res, file, 'no-cache');
  });
  router.get(/^\/vendor\/(.+)$/, (req, res, next) => {
    const name = (req.params as Record<string, string>)[0]!;
    const file = Object.hasOwn(VENDOR_MODULES, name) ? VENDOR_MODULES[name] : undefined;
    if (!file) return next();
    sendFile(res, file, 'public, max-age=86400');
  });
  return router;
}
