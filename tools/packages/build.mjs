#!/usr/bin/env node
// `npm run package`: builds every project into an npm package and packs one tarball each into dist/packages/.
//   JS            esbuild, one ES module per package; other @capstan packages and npm packages stay imports
//   declarations  one tsc program over every library (emitDeclarationOnly), then each library's part of it
//   apps          an ES module bundle of the app and the libraries it uses, a small bin launcher, and the TES dashboard
// Refuses to build when a package.json is out of date or a declaration imports a package its package.json lacks.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { namedReexportsAsStar } from '../lib/named-reexports.mjs';
import { rewriteDeclaration } from './declarations.mjs';
import { currentPackageJson, describeDrift, entriesOf, expectedPackageJson, listProjects, packageName, POLYFILL } from './projects.mjs';

const root = resolve(fileURLToPath(import.meta.url), '../../..');
const staging = join(root, 'dist/package-build');
const tarballs = join(root, 'dist/packages');
const fail = (message) => {
  console.error(`capstan package: ${message}`);
  process.exit(1);
};

const projects = listProjects(root);
const drift = [];
for (const project of projects) {
  drift.push(...describeDrift(project, currentPackageJson(root, project), await expectedPackageJson(root, project, projects)));
}
if (drift.length > 0) fail(`${drift.join('\n')}\nrun: node tools/packages/package-json.mjs`);

rmSync(staging, { recursive: true, force: true });
rmSync(tarballs, { recursive: true, force: true });
mkdirSync(tarballs, { recursive: true });
execFileSync(join(root, 'node_modules/.bin/tsc'), ['-p', 'tools/packages/tsconfig.dts.json'], { cwd: root, stdio: 'inherit' });

// The launcher turns Node's compile cache on before the bundle is compiled (see tools/bundle-app.mjs for why).
const launcher = (main) => `#!/usr/bin/env node
import module from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
try {
  if (module.enableCompileCache && !process.env.NODE_COMPILE_CACHE && !process.env.NODE_DISABLE_COMPILE_CACHE) {
    module.enableCompileCache(join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'capstan', 'compile-cache'));
  }
} catch {}
// tsyringe refuses to load without it: imported once here, before the bundle, rather than by each of its chunks.
await import('${POLYFILL.name}');
await import('../dist/${main}');
`;

for (const project of projects) {
  const out = join(staging, project.name);
  const manifest = currentPackageJson(root, project);
  const main = project.kind === 'app' ? `${project.bin}.js` : 'index.js';
  // Several entry points share their modules through chunks (ES splitting): `internal` and the index must hand out
  // the same classes and DI tokens, never two copies.
  const result = await build({
    absWorkingDir: root,
    entryPoints: entriesOf(project).map((entry) => ({ in: join(root, project.dir, entry.source), out: entry.out })),
    outdir: join(out, 'dist'),
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22.12',
    tsconfig: join(root, project.dir, 'tsconfig.json'),
    external: project.kind === 'app' ? [] : ['@capstan/*'],
    packages: 'external',
    logLevel: 'warning',
    // An app's commands load only the libraries' modules they use (see named-reexports.mjs): `run` no backend's code but its own.
    plugins: project.kind === 'app' ? [namedReexportsAsStar()] : [],
    write: false,
    metafile: true,
  });
  writeOutputs(result, project.kind === 'lib' && manifest.dependencies[POLYFILL.name] !== undefined);
  if (project.kind === 'app') {
    const bin = join(out, manifest.bin[project.bin]);
    mkdirSync(dirname(bin), { recursive: true });
    writeFileSync(bin, launcher(main));
    chmodSync(bin, 0o755);
    // Both apps serve the TES server (capstan serve, capstan-api), whose dashboard is found at dist/dashboard (wiring's
    // findDashboardDir): built files only, preact inside them, so the package needs no dependency for it.
    execFileSync(process.execPath, [join(root, 'tools/bundle-dashboard.mjs'), join(out, 'dist', 'dashboard')], { cwd: root, stdio: 'inherit' });
  } else {
    copyDeclarations(join(staging, 'dts', project.dir, 'src'), join(out, 'dist'), project, manifest);
  }
  writeFileSync(join(out, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
  for (const doc of ['README.md', 'CHANGELOG.md']) {
    if (existsSync(join(root, project.dir, doc))) cpSync(join(root, project.dir, doc), join(out, doc));
  }
}
rmSync(join(staging, 'dts'), { recursive: true, force: true });
execFileSync('npm', ['pack', '--silent', '--pack-destination', tarballs, ...projects.map((p) => join(staging, p.name))], {
  cwd: root,
  stdio: ['ignore', 'ignore', 'inherit'],
});
console.log(`capstan package: ${readdirSync(tarballs).length} tarballs in ${tarballs}`);

/**
 * Writes a build's files. A library's file that imports tsyringe imports the polyfill first: ES modules evaluate a
 * file's imports in order, so the polyfill is in place before tsyringe in whichever file a consumer imports first.
 * Only those files: each import of it is resolved again (start-up cost), and an app's launcher imports it once.
 */
function writeOutputs(result, polyfill) {
  const importsTsyringe = new Set(
    Object.entries(result.metafile.outputs)
      .filter(([, output]) => output.imports.some((imported) => imported.external && imported.path === POLYFILL.for))
      .map(([file]) => resolve(root, file)),
  );
  for (const file of result.outputFiles) {
    mkdirSync(dirname(file.path), { recursive: true });
    writeFileSync(file.path, polyfill && importsTsyringe.has(file.path) ? `import '${POLYFILL.name}';\n${file.text}` : file.contents);
  }
}

/** Copies a library's declarations, their imports made explicit (see declarations.mjs). */
function copyDeclarations(from, to, project, manifest) {
  if (!existsSync(join(from, 'index.d.ts'))) fail(`${project.dir}: tsc wrote no declarations to ${from}`);
  const declared = new Set([packageName(project), ...Object.keys(manifest.dependencies), ...Object.keys(manifest.peerDependencies ?? {})]);
  for (const entry of readdirSync(from, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.d.ts')) continue;
    const source = join(entry.parentPath, entry.name);
    const target = join(to, source.slice(from.length));
    try {
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, rewriteDeclaration(readFileSync(source, 'utf8'), source, declared));
    } catch (error) {
      fail(`${project.dir}: ${error.message}`);
    }
  }
}
