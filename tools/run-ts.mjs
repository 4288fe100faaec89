#!/usr/bin/env node
// Runs a TypeScript entry point of this workspace (a benchmark, a tool) without a build step:
// esbuild bundles it with the workspace's path aliases into tmp/, then node runs the bundle.
//   node tools/run-ts.mjs tools/benchmarks/resource-manager.bench.ts [args...]
// --esm bundles to an ES module instead of CommonJS, for an entry point with top-level await (a README's example).
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '..', '..');
const esm = process.argv[2] === '--esm';
const [entry, ...args] = process.argv.slice(esm ? 3 : 2);
if (!entry) {
  console.error('usage: node tools/run-ts.mjs [--esm] ENTRY.ts [args...]');
  process.exit(2);
}
const outfile = join(root, 'tmp', 'run-ts', `${basename(entry, '.ts')}.${esm ? 'mjs' : 'cjs'}`);
// The entry's leading side-effect imports of packages (`import 'reflect-metadata';`) run first when Node runs the file
// as written; a bundle places each module's imports after those of the modules it imports (a workspace library's
// `import ... from 'tsyringe'` would come first). So they go into the banner, ahead of everything, as Node would run them.
const leading = [];
for (const line of readFileSync(resolve(entry), 'utf8').split('\n')) {
  const match = /^import ['"]([^./'"][^'"]*)['"];/.exec(line);
  if (match) leading.push(match[1]);
  else if (line.trim() === '' || line.startsWith('//') || line.startsWith('#!')) continue;
  else break;
}
const banner = leading.map((name) => (esm ? `import ${JSON.stringify(name)};` : `require(${JSON.stringify(name)});`)).join('\n');
await build({
  entryPoints: [resolve(entry)],
  bundle: true,
  platform: 'node',
  target: 'node22.12',
  format: esm ? 'esm' : 'cjs',
  outfile,
  sourcemap: 'inline',
  tsconfig: join(root, 'tsconfig.base.json'),
  packages: 'external',
  logLevel: 'warning',
  ...(banner === '' ? {} : { banner: { js: banner } }),
});
const result = spawnSync(process.execPath, ['--enable-source-maps', ...(process.env.NODE_RUN_FLAGS?.split(' ').filter(Boolean) ?? []), outfile, ...args], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
