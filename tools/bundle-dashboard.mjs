#!/usr/bin/env node
// Builds the TES server's dashboard (libs/tes-server/dashboard) into OUTDIR: index.html, and assets/ with one script
// and one style sheet named by content hash, so the server may cache them for a year and a new build is a new name.
// Everything the page runs is in these files (preact included): no CDN, and the page works offline.
//   node tools/bundle-dashboard.mjs OUTDIR
import { build } from 'esbuild';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '..', '..');
const source = join(root, 'libs/tes-server/dashboard');
const [outArgument] = process.argv.slice(2);
if (!outArgument) {
  console.error('usage: node tools/bundle-dashboard.mjs OUTDIR');
  process.exit(2);
}
const out = resolve(root, outArgument);
mkdirSync(join(out, 'assets'), { recursive: true });
const result = await build({
  entryPoints: { dashboard: join(source, 'src/main.tsx'), style: join(source, 'dashboard.css') },
  bundle: true,
  platform: 'browser',
  format: 'esm',
  target: ['chrome115', 'firefox115', 'safari16'],
  minify: true,
  outdir: join(out, 'assets'),
  entryNames: '[name]-[hash]',
  tsconfig: join(source, 'tsconfig.json'),
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
});
const outputs = Object.keys(result.metafile.outputs).map((file) => basename(file));
const script = outputs.find((name) => name.startsWith('dashboard-') && name.endsWith('.js'));
const style = outputs.find((name) => name.startsWith('style-') && name.endsWith('.css'));
if (!script || !style) throw new Error(`bundle-dashboard: expected a script and a style sheet, got ${outputs.join(', ')}`);
const page = readFileSync(join(source, 'index.html'), 'utf8').replace('__JS__', script).replace('__CSS__', style);
// Builds of one source give the same names, so parallel builds into one folder (the api's test files each build) never
// remove a file a running server is reading: only another build's leftovers go, after the page names the new ones.
const temporary = join(out, `.index.html.${process.pid}`);
writeFileSync(temporary, page);
renameSync(temporary, join(out, 'index.html'));
for (const name of readdirSync(join(out, 'assets'))) {
  if (!outputs.includes(name)) rmSync(join(out, 'assets', name), { force: true });
}
