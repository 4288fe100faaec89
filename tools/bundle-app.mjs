#!/usr/bin/env node
// Bundles an app into one CommonJS file with esbuild: fast start-up, and the workspace's path aliases resolved at
// build time. npm packages stay external (native ones such as better-sqlite3 cannot be bundled), so the bundle runs
// from the workspace with its node_modules. Decorators: esbuild does not emit design:paramtypes metadata, which is
// why every injected constructor parameter in Capstan names its token with @inject.
//   node tools/bundle-app.mjs ENTRY.ts OUTFILE.cjs
import { build } from 'esbuild';
import { chmodSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '..', '..');
const [entry, outfile] = process.argv.slice(2);
if (!entry || !outfile) {
  console.error('usage: node tools/bundle-app.mjs ENTRY.ts OUTFILE.cjs');
  process.exit(2);
}
await build({
  entryPoints: [resolve(root, entry)],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  outfile: resolve(root, outfile),
  sourcemap: 'linked',
  tsconfig: join(root, 'tsconfig.base.json'),
  packages: 'external',
  logLevel: 'warning',
});
chmodSync(resolve(root, outfile), 0o755);
