import fs from 'node:fs';
import path from 'node:path';
import express, { type Router } from 'express';

/** The folder of an installed package (some packages export neither their UMD files nor package.json). */
function packageDir(name: string): string {
  let dir = path.dirname(require.resolve(name));
  while (!fs.existsSync(path.join(dir, 'package.json')) || (JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown }).name !== name) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`package ${name} not found`);
    dir = up;
  }
  return dir;
}

/** Files GraphiQL needs, all from installed packages: the page works with no internet. */
const ASSETS: Record<string, string> = {
  'graphiql.min.js': path.join(packageDir('graphiql'), 'graphiql.min.js'),
  'graphiql.min.css': path.join(packageDir('graphiql'), 'graphiql.min.css'),
  'react.production.min.js': path.join(packageDir('react'), 'umd/react.production.min.js'),
  'react-dom.production.min.js': path.join(packageDir('react-dom'), 'umd/react-dom.production.min.js'),
  'graphql-ws.min.js': path.join(packageDir('graphql-ws'), 'umd/graphql-ws.min.js'),
};

const PAGE_DIR = path.join(__dirname, 'graphiql');
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  // GraphiQL sets inline styles at run time.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self' ws: wss:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const graphiqlHtml = fs.readFileSync(path.join(PAGE_DIR, 'index.html'), 'utf8');

export function wantsGraphiql(accept: string | undefined): boolean {
  return Boolean(accept?.includes('text/html'));
}

export function sendGraphiql(res: express.Response): void {
  res.set({ 'content-security-policy': CSP, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.type('html').send(graphiqlHtml);
}

/** Static files under /graphiql. */
export function graphiqlAssets(): Router {
  const router = express.Router();
  for (const [name, file] of Object.entries(ASSETS)) {
    router.get(`/assets/${name}`, (_req, res) => {
      res.set({ 'cache-control': 'public, max-age=86400', 'x-content-type-options': 'nosniff' });
      res.sendFile(file);
    });
  }
  for (const name of ['page.js', 'page.css']) {
    router.get(`/${name}`, (_req, res) => {
      res.set({ 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' });
      res.sendFile(path.join(PAGE_DIR, name));
    });
  }
  return router;
}
