import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliVersion, expectPackaged, libraries, loadHook, type Outsider, outsider, root, tarball, tarballs } from './testing/outsider';

// `npm run package`, then the tarballs used as an outsider uses them: in a temporary folder outside the repository,
// with a private npm prefix (never the machine's own), third-party packages from npm's warm cache.
let scratch: Outsider;
const run: Outsider['run'] = (...args) => scratch.run(...args);
const npm: Outsider['npm'] = (...args) => scratch.npm(...args);

beforeAll(() => {
  expectPackaged();
  scratch = outsider('pkg-build-install-');
});
afterAll(() => scratch?.remove());

describe('npm run package, installed from outside the repository', () => {
  jest.setTimeout(180_000);

  it('packs one tarball per library and app, holding built code and no sources or tests', () => {
    const projects = [...readdirSync(join(root, 'libs')), 'cli', 'api'].sort();
    const packed = readdirSync(tarballs).sort();
    expect(packed).toEqual(projects.map((name) => `capstan-${name}-${name === 'cli' ? cliVersion : '0.1.0'}.tgz`).sort());
    const files = execFileSync('tar', ['tzf', tarball('engine')], { encoding: 'utf8' }).trim().split('\n');
    expect(files).toEqual(expect.arrayContaining(['package/package.json', 'package/dist/index.js', 'package/dist/index.d.ts']));
    expect(files.filter((file) => /\.spec\.|(?<!\.d)\.ts$|\/src\//.test(file))).toEqual([]);
    // The TES server's dashboard, built, in both apps that serve it.
    for (const app of ['api', 'cli']) {
      const appFiles = execFileSync('tar', ['tzf', tarball(app, app === 'cli' ? cliVersion : '0.1.0')], { encoding: 'utf8' }).trim().split('\n');
      expect(appFiles.filter((file) => file.startsWith('package/dist/dashboard/')).map((file) => file.replace(/-[A-Z0-9]{8}\./, '-HASH.')).sort()).toEqual([
        'package/dist/dashboard/assets/dashboard-HASH.js',
        'package/dist/dashboard/assets/style-HASH.css',
        'package/dist/dashboard/index.html',
      ]);
    }
  });

  it('installs the CLI globally into a private prefix; `capstan` runs from any folder and prints its version', () => {
    const prefix = join(scratch.dir, 'prefix');
    const install = npm(['install', '-g', '--prefix', prefix, '--prefer-offline', tarball('cli', cliVersion)], scratch.dir);
    expect(install.stderr).not.toMatch(/npm error/);
    expect(install.status).toBe(0);
    const elsewhere = join(scratch.dir, 'elsewhere');
    mkdirSync(elsewhere);
    const bin = join(prefix, 'bin');
    expect(run('capstan', ['--version'], elsewhere, { extraPath: bin })).toMatchObject({ status: 0, stdout: `capstan ${cliVersion}\n` });
    const task = run('capstan', ['run', '--backend', 'local', '--', 'echo', 'pkg-build-hello'], elsewhere, { extraPath: bin });
    expect(task.stderr + task.stdout).toMatch(/last output: pkg-build-hello/);
    expect(task.status).toBe(0);
    expect(readdirSync(elsewhere)).toEqual(['capstan-runs']);
    // A task's failure still reaches the caller through the installed bin.
    expect(run('capstan', ['run', '--backend', 'local', '--', 'sh', '-c', 'exit 7'], elsewhere, { extraPath: bin }).status).toBe(7);

    // The packaged CLI keeps each backend's code in its own chunk, as the workspace's bundle does: a local run loads
    // neither Docker's code nor dockerode (a load hook lists every module Node loads).
    const hook = loadHook(scratch.dir, 'cli');
    const hooked = run(join(bin, 'capstan'), ['run', '--backend', 'local', '--', 'true'], elsewhere, { env: { NODE_OPTIONS: hook.nodeOptions } });
    expect(hooked.status).toBe(0);
    const loaded = hook.loaded();
    expect(loaded.filter((url) => /\/node_modules\/(dockerode|docker-modem|fastify)\/|\/register-(?!local-)[a-z]+-backend-/.test(url))).toEqual([]);
    expect(loaded.some((url) => /\/register-local-backend-[A-Z0-9]+\.js$/.test(url))).toBe(true);
    // reflect-metadata is the launcher's, imported once before the bundle, not at the top of each of its chunks.
    const cliDir = join(prefix, 'lib/node_modules/@capstan/cli');
    const chunks = readdirSync(join(cliDir, 'dist'), { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.js'));
    expect(chunks.length).toBeGreaterThan(10);
    const importing = chunks.filter((file) => /^import ['"]reflect-metadata['"];/m.test(readFileSync(join(cliDir, 'dist', file), 'utf8')));
    expect(importing).toEqual(['capstan.js']);
    expect(readFileSync(join(cliDir, 'bin/capstan.js'), 'utf8')).toMatch(/\nawait import\('reflect-metadata'\);\nawait import\('\.\.\/dist\/capstan\.js'\);\n$/);
  });

  it('gives a moduleResolution node16 consumer every library with types, by import and by require', () => {
    const project = join(scratch.dir, 'consumer');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'pkg-build-consumer', private: true, type: 'module' }));
    const libs = libraries();
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
    // The installed tes-server reports its own package's version in service-info (inlined by the build).
    const tesServerVersion = (JSON.parse(readFileSync(join(root, 'libs/tes-server/package.json'), 'utf8')) as { version: string }).version;
    const serviceVersion = "const { tesServiceOptionsSchema, TES_SERVER_VERSION } = await import('@capstan/tes-server');" +
      "console.log(TES_SERVER_VERSION, tesServiceOptionsSchema.parse({ dataDir: '/srv/tes', defaultBackend: 'docker' }).version);";
    expect(run(process.execPath, ['--input-type=module', '-e', serviceVersion], project)).toMatchObject({ stdout: `${tesServerVersion} ${tesServerVersion}\n`, status: 0 });
  });

  it('a library user wiring `backend: local` from the installed @capstan/wiring loads no other backend nor dockerode', () => {
    const project = join(scratch.dir, 'consumer'); // installed by the test before
    const wireLocal = "const { wire } = await import('@capstan/wiring');" +
      "const { engine, backend } = await wire({ flags: { backend: 'local', workRoot: process.argv[1] } });" +
      'console.log(backend.name); engine.close();';
    const hook = loadHook(scratch.dir, 'wiring');
    const wired = run(process.execPath, ['--input-type=module', '-e', wireLocal, join(scratch.dir, 'wiring-runs')], project, { env: { NODE_OPTIONS: hook.nodeOptions } });
    expect(wired).toMatchObject({ stdout: 'local\n', status: 0 });
    const loaded = hook.loaded();
    expect(loaded.filter((url) => /\/node_modules\/(dockerode|docker-modem|ssh2|@grpc\/grpc-js)\/|\/register-(?!local-)[a-z]+-backend-/.test(url))).toEqual([]);
    // Nor the TES server's HTTP stack and store: wiring imports them when startTesServer is called, and the `api`
    // section's schema comes from tes-server's options entry point.
    expect(loaded.filter((url) => /\/node_modules\/(fastify|@fastify\/[a-z-]+|better-sqlite3|semver)\/|\/tes-(server|store)\/dist\/index\.js$/.test(url))).toEqual([]);
    expect(loaded.some((url) => /\/tes-server\/dist\/internal-options\.js$/.test(url))).toBe(true);
    // Of the runners, local alone is imported (through its plugin entry point), its backend's code lazily: no other
    // runner's plugin, whose options schema a run on local does not use.
    const runnerEntries = loaded.filter((url) => /\/@capstan\/[a-z]+-runner\/dist\/[a-z]+\.js$/.test(url)).map((url) => url.replace(/^.*@capstan\//, ''));
    expect(runnerEntries).toEqual(['local-runner/dist/plugin.js']);
    expect(loaded.some((url) => /\/local-runner\/dist\/chunks\/register-local-backend-[A-Z0-9]+\.js$/.test(url))).toBe(true);

    // The same hook sees a runner's index evaluate its backend: the check above could fail.
    const index = run(process.execPath, ['--input-type=module', '-e', "await import('@capstan/docker-runner');"], project, { env: { NODE_OPTIONS: hook.nodeOptions } });
    expect(index.status).toBe(0);
    expect(hook.loaded().filter((url) => /\/node_modules\/dockerode\//.test(url)).length).toBeGreaterThan(0);
    // ... and tes-server's index evaluate fastify; wiring's startTesServer is there, imported at its call.
    const server = run(process.execPath, ['--input-type=module', '-e', "const { startTesServer } = await import('@capstan/wiring'); await import('@capstan/tes-server'); console.log(typeof startTesServer);"], project, { env: { NODE_OPTIONS: hook.nodeOptions } });
    expect(server).toMatchObject({ stdout: 'function\n', status: 0 });
    expect(hook.loaded().filter((url) => /\/node_modules\/fastify\//.test(url)).length).toBeGreaterThan(0);
  });

  it('a library names its sibling packages as real dependencies: alone and offline, its install fails naming one', () => {
    const project = join(scratch.dir, 'alone');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'pkg-build-alone', private: true }));
    const install = npm(['install', '--offline', tarball('naming')], project);
    expect(install.status).not.toBe(0);
    expect(install.stderr).toMatch(/ENOTCACHED[^]*@capstan%2fcore-constraints/);
  });
});
