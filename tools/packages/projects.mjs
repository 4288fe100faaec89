// What every packaging script shares: the projects that become npm packages, the npm packages each one really
// imports, and the package.json each one should have. A package's dependencies are derived, never hand-written, so
// a library that starts importing something cannot ship without declaring it.
import { build } from 'esbuild';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';

export const SCOPE = '@capstan';
export const NODE_ENGINE = '>=22.12';
const FIRST_VERSION = '0.1.0';

// Packages whose module state must be one per process: tsyringe keeps what @injectable() records in a module-level
// map, so a class decorated by one copy is unknown to a container from another. Libraries take it as a peer, so that
// npm places one copy beside them, even in a global install, where each package would otherwise get its own.
const SINGLETONS = new Set(['tsyringe']);

// tsyringe refuses to load unless a Reflect metadata polyfill loaded first, which its users are told to import at
// their entry point. A library that uses it brings the polyfill itself (tools/packages/build.mjs imports it at the top
// of the bundle), so that it can be imported alone.
export const POLYFILL = { for: 'tsyringe', name: 'reflect-metadata' };

// The apps are CLIs, not libraries: each bundles the @capstan libraries it uses and depends on npm packages only.
// A global install (`npm install -g`) gives each top-level package its own copy of every dependency, peers included,
// so a CLI that imported @capstan/engine and @capstan/wiring as packages would get two tsyringe copies, and a class
// that one copy registered would be unknown to the other's container ("TypeInfo not known").
//
// The apps are CLIs, not libraries: a bin and no import surface. Their entry points are the ones tools/bundle-app.mjs
// bundles for the workspace's own tests.
const APPS = {
  cli: { entry: 'src/bin.ts', bin: 'capstan' },
  api: { entry: 'src/main.ts', bin: 'capstan-api' },
};

/** Every project that becomes a package: each library under libs/ and the two apps. */
export function listProjects(root) {
  const libs = readdirSync(join(root, 'libs'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(root, 'libs', entry.name, 'project.json')))
    .map((entry) => ({ name: entry.name, dir: join('libs', entry.name), entry: 'src/index.ts', kind: 'lib', subpaths: subpathsOf(root, join('libs', entry.name)) }));
  const apps = Object.entries(APPS)
    .filter(([name]) => existsSync(join(root, 'apps', name, 'project.json')))
    .map(([name, app]) => ({ name, dir: join('apps', name), entry: app.entry, bin: app.bin, kind: 'app' }));
  return [...libs, ...apps].sort((a, b) => a.name.localeCompare(b.name));
}

// Entry points beside the public one: `internal` (first-party only, see docs/decisions.md), `plugin` (a runner's
// backend plugin alone, whose import does not evaluate the backend's code), `internal-options` (option schemas
// without the code they configure, first-party only: those a plugin imports from a backend kit, and tes-server's for
// wiring's `api` section) and `testing` (test helpers). Each is a
// package subpath (`@capstan/docker-api/internal`), as the workspace's path aliases are.
const SUBPATHS = [
  { subpath: './internal', source: 'src/internal.ts', out: 'internal' },
  { subpath: './plugin', source: 'src/plugin.ts', out: 'plugin' },
  { subpath: './internal-options', source: 'src/internal-options.ts', out: 'internal-options' },
  { subpath: './testing', source: 'src/testing/index.ts', out: 'testing/index' },
];

function subpathsOf(root, dir) {
  return SUBPATHS.filter((entry) => existsSync(join(root, dir, entry.source)));
}

/** A project's entry points: its index, then the subpaths it has; `out` is the file name under dist/ without `.js`. */
export function entriesOf(project) {
  return [{ subpath: '.', source: project.entry, out: project.kind === 'app' ? project.bin : 'index' }, ...(project.subpaths ?? [])];
}

export const packageName = (project) => `${SCOPE}/${project.name}`;

/**
 * The bare package name of an import specifier (`@a/b/c` -> `@a/b`, `x/y` -> `x`), or undefined for a builtin or a
 * path (esbuild reports a relative import of a types-only file as external too).
 */
export function bareName(specifier) {
  if (/^[./<]/.test(specifier) || specifier.startsWith('node:') || builtinModules.includes(specifier.split('/')[0])) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

// `import type`, `export type` and type-position `import('x')` leave no trace in esbuild's output, yet a consumer's
// compiler needs those packages too.
const TYPE_IMPORT = /\b(?:import|export)\s+type\b[^'";]*?from\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/**
 * Bundles one project's entry in memory with every package external and returns the packages it imports: what
 * esbuild keeps as run-time imports, plus the type-only imports of the source files it took in.
 */
export async function importedPackages(root, project, tsconfig = join(root, project.dir, 'tsconfig.json')) {
  const result = await build({
    absWorkingDir: root,
    entryPoints: entriesOf(project).map((entry) => join(root, project.dir, entry.source)),
    outdir: 'out',
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    target: 'node22.12',
    tsconfig,
    // An app bundles the libraries it uses (see bundledSiblings), a library imports them.
    external: project.kind === 'app' ? [] : [`${SCOPE}/*`],
    packages: 'external',
    logLevel: 'silent',
  });
  const names = new Set();
  for (const [file, input] of Object.entries(result.metafile.inputs)) {
    for (const imported of input.imports) if (imported.external) names.add(bareName(imported.path));
    if (!file.endsWith('.ts')) continue;
    for (const match of readFileSync(join(root, file), 'utf8').matchAll(TYPE_IMPORT)) {
      const specifier = match[1] ?? match[2];
      names.add(bareName(specifier));
    }
  }
  names.delete(undefined);
  return [...names].sort();
}

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

/** The version ranges the workspace pins, dependencies first. */
export function workspaceRanges(root) {
  const pkg = readJson(join(root, 'package.json'));
  return { ...pkg.devDependencies, ...pkg.dependencies };
}

/** The package.json on disk, or undefined when the project has none yet. */
export function currentPackageJson(root, project) {
  const file = join(root, project.dir, 'package.json');
  return existsSync(file) ? readJson(file) : undefined;
}

/**
 * The package.json a project should have. Versions and descriptions are kept from disk (nx release owns versions);
 * everything else is derived. Throws when the project imports a package the workspace does not pin.
 */
export async function expectedPackageJson(root, project, projects) {
  const current = currentPackageJson(root, project) ?? {};
  const ranges = workspaceRanges(root);
  const siblings = new Map(projects.map((p) => [packageName(p), p]));
  const dependencies = {};
  const peers = {};
  const imported = await importedPackages(root, project);
  if (project.kind === 'lib' && imported.includes(POLYFILL.for) && !imported.includes(POLYFILL.name)) imported.push(POLYFILL.name);
  for (const name of imported) {
    if (siblings.has(name)) {
      // An app's bundle holds its libraries; what it imports of them for types alone leaves no trace.
      if (name === packageName(project) || project.kind === 'app') continue;
      dependencies[name] = currentPackageJson(root, siblings.get(name))?.version ?? FIRST_VERSION;
      continue;
    }
    const range = ranges[name];
    if (!range) {
      throw new Error(
        `${project.dir} imports "${name}", which the workspace's package.json does not list: add "${name}" to its ` +
          'dependencies (npm install NAME@VERSION) so the package can take its range from there',
      );
    }
    if (SINGLETONS.has(name) && project.kind === 'lib') peers[name] = range;
    else dependencies[name] = range;
    // A package without its own declarations needs its @types beside it, or a consumer's compiler sees `any`.
    const types = `@types/${name.replace(/^@([^/]+)\//, '$1__')}`;
    if (ranges[types] && project.kind === 'lib') dependencies[types] = ranges[types];
  }
  const sorted = (record) => Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
  const common = {
    name: packageName(project),
    version: current.version ?? FIRST_VERSION,
    description: current.description ?? `Capstan ${project.name}`,
    license: 'Apache-2.0',
    type: 'module',
  };
  const tail = { engines: { node: NODE_ENGINE }, sideEffects: false, dependencies: sorted(dependencies) };
  if (Object.keys(peers).length > 0) tail.peerDependencies = sorted(peers);
  if (project.kind === 'app') {
    return {
      ...common,
      bin: { [project.bin]: `bin/${project.bin}.js` },
      exports: { './package.json': './package.json' },
      files: ['bin', 'dist', 'README.md', 'CHANGELOG.md'],
      ...tail,
    };
  }
  return {
    ...common,
    exports: {
      ...Object.fromEntries(entriesOf(project).map((entry) => [entry.subpath, { types: `./dist/${entry.out}.d.ts`, default: `./dist/${entry.out}.js` }])),
      './package.json': './package.json',
    },
    types: './dist/index.d.ts',
    files: ['dist', 'README.md', 'CHANGELOG.md'],
    ...tail,
  };
}

/** What differs between a project's package.json and the expected one, one line each; empty when up to date. */
export function describeDrift(project, current, expected) {
  if (!current) return [`${project.dir}/package.json is missing`];
  const lines = [];
  for (const key of new Set([...Object.keys(expected), ...Object.keys(current)])) {
    if (JSON.stringify(current[key]) !== JSON.stringify(expected[key])) {
      lines.push(`${project.dir}/package.json: "${key}" is ${JSON.stringify(current[key])}, expected ${JSON.stringify(expected[key])}`);
    }
  }
  return lines;
}

export const rel = (root, file) => relative(root, file) || '.';
