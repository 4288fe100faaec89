#!/usr/bin/env node
// Runs a TypeScript entry point of this workspace (a benchmark, a tool) without a build step:
// esbuild bundles it with the workspace's path aliases into tmp/, then node runs the bundle.
//   node tools/run-ts.mjs tools/benchmarks/resource-manager.bench.ts [args...]
// --esm bundles to an ES module instead of CommonJS, for an entry point with top-level await (a README's example).
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
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
});
const result = spawnSync(process.execPath, ['--enable-source-maps', ...(process.env.NODE_RUN_FLAGS?.split(' ').filter(Boolean) ?? []), outfile, ...args], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
