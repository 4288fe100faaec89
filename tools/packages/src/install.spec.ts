import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';

// `npm run package`, then the tarballs used as an outsider uses them: in a temporary folder outside the repository,
// with a private npm prefix (never the machine's own), third-party packages from npm's warm cache.
const root = resolve(__dirname, '..', '..', '..');
const tarballs = join(root, 'dist/packages');
const cliVersion = (JSON.parse(readFileSync(join(root, 'apps/cli/package.json'), 'utf8')) as { version: string }).version;
let scratch: string;

function run(command: string, args: string[], cwd: string, extraPath = ''): SpawnSyncReturns<string> {
  // The running Node first: the `#!/usr/bin/env node` of an installed bin must find a supported one.
  const path = [extraPath, dirname(process.execPath), process.env['PATH'] ?? ''].filter(Boolean).join(delimiter);
  return spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, PATH: path, XDG_CACHE_HOME: join(scratch, 'cache'), npm_config_update_notifier: 'false' },
  });
}
const npm = (args: string[], cwd: string): SpawnSyncReturns<string> =>
  run('npm', [...args, '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], cwd);
const tarball = (name: string, version = '0.1.0'): string => join(tarballs, `capstan-${name}-${version}.tgz`);

beforeAll(() => {
  execFileSync(process.execPath, [join(root, 'tools/packages/build.mjs')], { cwd: root, stdio: 'pipe' });
  scratch = mkdtempSync(join(tmpdir(), 'pkg-build-install-'));
}, 300_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('npm run package, installed from outside the repository', () => {
  jest.setTimeout(180_000);

  it('packs one tarball per library and app, holding built code and no sources or tests', () => {
    const projects = [...readdirSync(join(root, 'libs')), 'cli', 'api'].sort();
    const packed = readdirSync(tarballs).sort();
    expect(packed).toEqual(projects.map((name) => `capstan-${name}-${name === 'cli' ? cliVersion : '0.1.0'}.tgz`).sort());
    const files = execFileSync('tar', ['tzf', tarball('engine')], { encoding: 'utf8' }).trim().split('\n');
    expect(files).toEqual(expect.arrayContaining(['package/package.json', 'package/dist/index.js', 'package/dist/index.d.ts']));
    expect(files.filter((file) => /\.spec\.|(?<!\.d)\.ts$|\/src\//.test(file))).toEqual([]);
  });

  it('installs the CLI globally into a private prefix; `capstan` runs from any folder and prints its version', () => {
    const prefix = join(scratch, 'prefix');
    const install = npm(['install', '-g', '--prefix', prefix, '--prefer-offline', tarball('cli', cliVersion)], scratch);
    expect(install.stderr).not.toMatch(/npm error/);
    expect(install.status).toBe(0);
    const elsewhere = join(scratch, 'elsewhere');
    mkdirSync(elsewhere);
    const bin = join(prefix, 'bin');
    expect(run('capstan', ['--version'], elsewhere, bin)).toMatchObject({ status: 0, stdout: `capstan ${cliVersion}\n` });
    const task = run('capstan', ['run', '--backend', 'local', '--', 'echo', 'pkg-build-hello'], elsewhere, bin);
    expect(task.stderr + task.stdout).toMatch(/last output: pkg-build-hello/);
    expect(task.status).toBe(0);
    expect(readdirSync(elsewhere)).toEqual(['capstan-runs']);
    // A task's failure still reaches the caller through the installed bin.
    expect(run('capstan', ['run', '--backend', 'local', '--', 'sh', '-c', 'exit 7'], elsewhere, bin).status).toBe(7);

    // The packaged CLI keeps each backend's code in its own chunk, as the workspace's bundle does: a local run loads
    // neither Docker's code nor dockerode (a load hook lists every module Node loads).
    const hook = join(scratch, 'load-hook.cjs');
    const loadedList = join(scratch, 'loaded.txt');
    writeFileSync(
      hook,
      `const seen = []; require('node:module').registerHooks({ load(url, context, next) { seen.push(url); return next(url, context); } });
process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(loadedList)}, seen.join('\\n')));`,
    );
    const hooked = spawnSync(join(bin, 'capstan'), ['run', '--backend', 'local', '--', 'true'], {
      cwd: elsewhere,
      encoding: 'utf8',
      env: { ...process.env, PATH: [dirname(process.execPath), process.env['PATH'] ?? ''].join(delimiter), XDG_CACHE_HOME: join(scratch, 'cache'), NODE_OPTIONS: `--require ${hook}` },
    });
    expect(hooked.status).toBe(0);
    const loaded = readFileSync(loadedList, 'utf8').split('\n');
    expect(loaded.filter((url) => /\/node_modules\/(dockerode|docker-modem|fastify)\/|\/register-(?!local-)[a-z]+-backend-/.test(url))).toEqual([]);
    expect(loaded.some((url) => /\/register-local-backend-[A-Z0-9]+\.js$/.test(url))).toBe(true);
  });

  it('gives a moduleResolution node16 consumer every library with types, by import and by require', () => {
    const project = join(scratch, 'consumer');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'pkg-build-consumer', private: true, type: 'module' }));
    const libs = readdirSync(join(root, 'libs')).sort();
    // @types/node and @types/jest are the consumer's own, as with any Node library (backend-conformance is a jest suite).
    const install = npm(['install', '--prefer-offline', ...libs.map((name) => tarball(name)), '@types/node@^22.20.7', '@types/jest@^30.0.0'], project);
    expect(install.stderr).not.toMatch(/npm error/);
    expect(install.status).toBe(0);
    const compilerOptions = { module: 'node16', moduleResolution: 'node16', strict: true, noEmit: true, skipLibCheck: false, types: ['node', 'jest'] };
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['*.ts'] }));
    const imports = libs.map((name, i) => `import * as m${i} from '@capstan/${name}';\nexport const k${i}: string[] = Object.keys(m${i});\n`);
    writeFileSync(join(project, 'all.ts'), imports.join(''));
    const tsc = join(root, 'node_modules/typescript/bin/tsc');
    expect(run(process.execPath, [tsc, '-p', '.'], project)).toMatchObject({ stdout: '', status: 0 });
    // Types, not `any`: a wrong use fails to compile.
    writeFileSync(join(project, 'bad.ts'), "import { MAX_RETRIES } from '@capstan/core-constraints';\nexport const max: string = MAX_RETRIES;\n");
    const bad = run(process.execPath, [tsc, '-p', '.'], project);
    expect(bad.stdout).toMatch(/bad\.ts\(2,14\): error TS2322: Type 'number' is not assignable to type 'string'/);
    // Each library alone in a fresh process (no polyfill loaded by the caller), as an ES module and through require().
    for (const name of libs) {
      const loaded = `const m = await import('@capstan/${name}'); const r = (await import('node:module')).createRequire(import.meta.url)('@capstan/${name}');` +
        'console.log(Object.keys(m).length > 0 && Object.keys(r).join() === Object.keys(m).join());';
      expect({ name, ...run(process.execPath, ['--input-type=module', '-e', loaded], project) }).toMatchObject({ name, stdout: 'true\n', status: 0 });
    }
  });

  it('a library names its sibling packages as real dependencies: alone and offline, its install fails naming one', () => {
    const project = join(scratch, 'alone');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'pkg-build-alone', private: true }));
    const install = npm(['install', '--offline', tarball('naming')], project);
    expect(install.status).not.toBe(0);
    expect(install.stderr).toMatch(/ENOTCACHED[^]*@capstan%2fcore-constraints/);
  });
});
