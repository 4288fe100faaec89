#!/usr/bin/env node
// Bundles an app into one CommonJS file with esbuild: fast start-up, and the workspace's path aliases resolved at
// build time. npm packages stay external (native ones such as better-sqlite3 cannot be bundled), so the bundle runs
// from the workspace with its node_modules. Decorators: esbuild does not emit design:paramtypes metadata, which is
// why every injected constructor parameter in Capstan names its token with @inject.
//
// Two files: OUTFILE (`capstan.cjs`) is a small launcher that turns on Node's module compile cache and then loads the
// bundle beside it (`capstan.main.cjs`). The cache must be on before the bundle is compiled, which a bundle cannot do
// for itself: with it, the next start reads V8's cached code instead of compiling ~2 MB of JavaScript again.
//   node tools/bundle-app.mjs ENTRY.ts OUTFILE.cjs
import { build } from 'esbuild';
import { chmodSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '..', '..');
const [entry, outfile] = process.argv.slice(2);
if (!entry || !outfile) {
  console.error('usage: node tools/bundle-app.mjs ENTRY.ts OUTFILE.cjs');
  process.exit(2);
}
const launcher = resolve(root, outfile);
const main = launcher.replace(/\.cjs$/, '') + '.main.cjs';
await build({
  entryPoints: [resolve(root, entry)],
  bundle: true,
  platform: 'node',
  target: 'node22.12',
  format: 'cjs',
  outfile: main,
  sourcemap: 'linked',
  tsconfig: join(root, 'tsconfig.base.json'),
  packages: 'external',
  logLevel: 'warning',
});
// The cache folder: NODE_COMPILE_CACHE when set (Node then enables the cache itself), else a user cache folder. A cache
// that cannot be written is no error: Node reports a status, and the program runs uncached.
writeFileSync(
  launcher,
  `#!/usr/bin/env node
'use strict';
try {
  const { enableCompileCache } = require('node:module');
  if (enableCompileCache && !process.env.NODE_COMPILE_CACHE && !process.env.NODE_DISABLE_COMPILE_CACHE) {
    const { join } = require('node:path');
    const home = process.env.XDG_CACHE_HOME || join(require('node:os').homedir(), '.cache');
    enableCompileCache(join(home, 'capstan', 'compile-cache'));
  }
} catch {}
require('./${basename(main)}');
`,
);
chmodSync(launcher, 0o755);
