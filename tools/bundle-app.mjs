#!/usr/bin/env node
// Bundles an app with esbuild: fast start-up, and the workspace's path aliases resolved at build time. npm packages
// stay external (native ones such as better-sqlite3 cannot be bundled), so the bundle runs from the workspace with its
// node_modules. Decorators: esbuild does not emit design:paramtypes metadata, which is why every injected constructor
// parameter in Capstan names its token with @inject.
//
// Output beside OUTFILE: OUTFILE (`capstan.cjs`) is a small launcher that turns on Node's module compile cache and
// then imports the bundle's entry (`capstan.main.mjs`), which imports its chunks from `capstan.chunks/` as the code
// reaches them. The cache must be on before the bundle is compiled, which a bundle cannot do for itself: with it, the
// next start reads V8's cached code instead of compiling the JavaScript again.
//   node tools/bundle-app.mjs ENTRY.ts OUTFILE.cjs
import { build } from 'esbuild';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { namedReexportsAsStar } from './lib/named-reexports.mjs';

const root = resolve(fileURLToPath(import.meta.url), '..', '..');
const [entry, outfile] = process.argv.slice(2);
if (!entry || !outfile) {
  console.error('usage: node tools/bundle-app.mjs ENTRY.ts OUTFILE.cjs');
  process.exit(2);
}
const launcher = resolve(root, outfile);
const base = basename(launcher).replace(/\.cjs$/, '');
// ESM with code splitting: each `import()` becomes a chunk that Node loads only when the code reaches it, and modules
// that only a chunk needs stay out of the entry. (A CommonJS bundle cannot do this: it initialises a library's whole
// index as soon as any module of it is needed.) The chunk folder is emptied first: chunks are named by content hash.
const chunks = `${base}.chunks`;
rmSync(join(dirname(launcher), chunks), { recursive: true, force: true });
await build({
  entryPoints: { [`${base}.main`]: resolve(root, entry) },
  bundle: true,
  platform: 'node',
  target: 'node22.12',
  format: 'esm',
  splitting: true,
  outdir: dirname(launcher),
  outExtension: { '.js': '.mjs' },
  chunkNames: `${chunks}/[name]-[hash]`,
  // The bundled CommonJS packages (docker-modem) still call require for their external dependencies. reflect-metadata
  // is the launcher's to load, once, before the first chunk (see below), not an import of each of the 30-odd chunks.
  banner: {
    js: "import { createRequire as __capstanCreateRequire } from 'node:module'; const require = __capstanCreateRequire(import.meta.url);",
  },
  sourcemap: 'linked',
  tsconfig: join(root, 'tsconfig.base.json'),
  plugins: [namedReexportsAsStar(), lazyPlugin()],
  logLevel: 'warning',
});

// Start-up cost (docs/benchmarks.md): a command must load only what it runs.
// - Workspace libraries are side-effect free (their packages say `sideEffects: false`), so esbuild may drop the modules
//   behind an `index.ts` that a command does not use: `--help` takes cli-spec's text helpers without core-constraints'
//   zod schemas. The CLI's commands are `import()`ed, so each is initialised only when it runs.
// - npm packages stay external, except dockerode and docker-modem: they `require` the BuildKit session (gRPC,
//   protobufjs) and the SSH agent (ssh2) at load, though a local socket needs neither. Bundled, those two requires
//   become calls at first use; gRPC and ssh2 themselves stay external. And zod and yaml: 95 and 72 files that every
//   command that reads a task loads one by one, where a chunk is one file (from the compile cache after the first).
//   Only Capstan's own code uses them, so no schema crosses into another package's copy of zod.
function lazyPlugin() {
  const bundled = /^(dockerode|docker-modem|zod|yaml)(\/|$)/;
  const ZOD_LOCALES = 'export * as locales from "../locales/index.js";';
  const deferred = [
    { file: /dockerode[\\/]lib[\\/]docker\.js$/, from: "withSession = require('./session')", to: "withSession = function () { return require('./session').apply(this, arguments); }" },
    { file: /docker-modem[\\/]lib[\\/]modem\.js$/, from: "ssh = require('./ssh')", to: "ssh = function () { return require('./ssh').apply(this, arguments); }" },
    // A build context's packing (tar-fs, tar-stream, bl, readable-stream: about 30 files), a hijacked stream's duplex
    // (readable-stream) and TLS certificates (split-ca) are required when first used; Capstan builds no image and
    // hijacks no stream. `debug` (with supports-color, ms, tty) is loaded only when DEBUG is set, as it is enabled
    // then alone: about 17 ms of CPU of every run on Docker or Podman together.
    { file: /dockerode[\\/]lib[\\/]util\.js$/, from: "var DockerIgnore = require('@balena/dockerignore');", to: "var DockerIgnore = function () { return require('@balena/dockerignore').apply(this, arguments); };" },
    { file: /dockerode[\\/]lib[\\/]util\.js$/, from: "var tar = require('tar-fs');", to: "var tar = { pack: function () { var tarFs = require('tar-fs'); return tarFs.pack.apply(tarFs, arguments); } };" },
    { file: /docker-modem[\\/]lib[\\/]modem\.js$/, from: "HttpDuplex = require('./http_duplex')", to: "HttpDuplex = function (req, res) { return new (require('./http_duplex'))(req, res); }" },
    { file: /docker-modem[\\/]lib[\\/]modem\.js$/, from: "debug = require('debug')('modem')", to: "debug = process.env.DEBUG ? require('debug')('modem') : function () {}" },
    { file: /docker-modem[\\/]lib[\\/]modem\.js$/, from: "splitca = require('split-ca')", to: "splitca = function () { return require('split-ca').apply(this, arguments); }" },
    // zod's 40-odd locales (about 300 KB) reach every chunk that uses `z`: a namespace shared between chunks keeps all
    // its members. Capstan writes its own messages and never sets a zod locale, so the bundle's `z.locales` is absent.
    { file: /zod[\\/]v4[\\/]classic[\\/]external\.js$/, from: ZOD_LOCALES, to: '' },
    { file: /zod[\\/]v4[\\/]core[\\/]index\.js$/, from: ZOD_LOCALES, to: '' },
  ];
  return {
    name: 'capstan-lazy',
    setup(plugin) {
      const libs = join(root, 'libs') + sep;
      plugin.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData === 'capstan-lazy') return undefined;
        if (/^[^./]/.test(args.path) && !args.path.startsWith('@capstan/') && !bundled.test(args.path)) return { path: args.path, external: true };
        if (args.kind === 'entry-point') return undefined;
        const result = await plugin.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: 'capstan-lazy' });
        if (result.errors.length > 0 || !result.path.startsWith(libs)) return result.errors.length > 0 ? { errors: result.errors } : result;
        return { ...result, sideEffects: false };
      });
      plugin.onLoad({ filter: /node_modules[\\/](dockerode[\\/]lib[\\/](docker|util)|docker-modem[\\/]lib[\\/]modem|zod[\\/]v4[\\/](classic[\\/]external|core[\\/]index))\.js$/ }, (args) => {
        let contents = readFileSync(args.path, 'utf8');
        const edits = deferred.filter((candidate) => candidate.file.test(args.path));
        if (edits.length === 0) throw new Error(`bundle-app: no lazy edit for ${args.path}`);
        for (const edit of edits) {
          // A release that changed these lines must fail the build, not quietly load everything again.
          if (!contents.includes(edit.from)) throw new Error(`bundle-app: ${args.path} no longer has \`${edit.from}\`; update the lazy edit`);
          contents = contents.replace(edit.from, edit.to);
        }
        return { contents, loader: 'js' };
      });
    },
  };
}
// The cache folder: NODE_COMPILE_CACHE when set (Node then enables the cache itself), else a user cache folder. A cache
// that cannot be written is no error: Node reports a status, and the program runs uncached.
// reflect-metadata before the bundle: tsyringe throws without it, and ES imports run in the order they appear, where
// esbuild puts a dependency's imports (tsyringe) above the entry's own. Required here, its path is resolved once; as a
// banner of every chunk each chunk's import resolved it again (start-up cost).
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
require('reflect-metadata');
import('./${base}.main.mjs');
`,
);
chmodSync(launcher, 0o755);
