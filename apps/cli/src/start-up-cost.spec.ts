import { localS3Server } from '@capstan/backend-test-kit';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { buildCli, cliBundle, execFileAsync, folderPerTest, workspaceRoot } from './testing/cli-harness';

// What each command loads, seen from outside: a preloaded hook records every module Node loads (CommonJS and ES,
// through module.registerHooks) for the built CLI. Times are for tools/benchmarks/startup.bench.ts, never a test.
const HOOK = `
const { registerHooks } = require('node:module');
const { writeFileSync } = require('node:fs');
const seen = new Set();
const resolved = [];
registerHooks({
  resolve(specifier, context, next) { if (specifier === 'reflect-metadata') resolved.push(specifier); return next(specifier, context); },
  load(url, context, next) { seen.add(url); return next(url, context); },
});
// Node's own internal modules are not hooked: process.moduleLoadList names them (undici: fetch, or node:http's ES facade).
const internal = () => process.moduleLoadList.filter((name) => /undici/.test(name)).map((name) => 'internal:' + name.split(' ').pop());
process.on('exit', () => writeFileSync(process.env.LOADED_LIST, [...seen, ...resolved.map((name) => 'resolve:' + name), ...internal()].join('\\n')));
`;

/** npm packages a command that runs no task, or a `run`, must not load. */
const HEAVY = ['zod', 'yaml', 'dockerode', 'docker-modem', 'tsyringe', 'fastify', '@fastify/swagger', '@fastify/swagger-ui', 'better-sqlite3', 'ssh2', '@grpc/grpc-js', 'protobufjs', 'tar-fs'];
const SERVER_ONLY = ['fastify', '@fastify/swagger', '@fastify/swagger-ui', '@fastify/rate-limit', 'better-sqlite3'];
const DOCKER_EXTRAS = ['ssh2', '@grpc/grpc-js', '@grpc/proto-loader', 'protobufjs'];
/** dockerode's and docker-modem's packages that a run on Docker never uses (image builds, hijacked streams, TLS, DEBUG). */
const DOCKER_UNUSED = ['tar-fs', 'tar-stream', 'bl', 'readable-stream', '@balena/dockerignore', 'split-ca', 'debug', 'supports-color'];
/** Node's HTTP stack: a run that transfers nothing over HTTP needs none of it; undici is fetch's, or node:http's ES facade's. */
const undici = (urls: readonly string[]): boolean => urls.some((url) => url.startsWith('internal:') && url.includes('undici'));
const BACKENDS = ['docker', 'podman', 'apptainer', 'local', 'slurm', 'batch', 'tes'] as const;

/** The backends whose code (the lazily imported `register-NAME-backend` chunk) a command loaded. */
function backendChunks(urls: readonly string[]): string[] {
  return BACKENDS.filter((name) => urls.some((url) => new RegExp(`/register-${name}-backend-[A-Z0-9]+\\.mjs$`).test(url)));
}

interface Loaded {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly packages: ReadonlySet<string>;
  readonly urls: readonly string[];
  /** The npm packages' files bundled into the chunks that were loaded (`zod/v4/locales/en.js`). */
  readonly bundled: readonly string[];
  /** The workspace's own source files in those chunks (`libs/docker-runner/src/docker-backend-plugin.ts`). */
  readonly sources: readonly string[];
}

/** The runner libraries (and docker-api, Docker's and Podman's options) whose files a command's chunks held. */
function runnerLibraries(sources: readonly string[]): string[] {
  return [...new Set(sources.map((file) => /^libs\/([a-z-]+-runner|docker-api)\//.exec(file)?.[1]).filter((name): name is string => name !== undefined))].sort();
}

describe('start-up cost: a command loads only what it runs (the built CLI)', () => {
  jest.setTimeout(120_000);
  beforeAll(buildCli, 60_000);
  const folder = folderPerTest('start-up-cost-');

  /** A local run with these environment variables set. */
  const loadedWith = (env: NodeJS.ProcessEnv, runs: string): Promise<Loaded> => loaded(['run', '--backend', 'local', '--work-root', runs, '--', 'true'], cliBundle, env);

  async function loaded(args: readonly string[], bundle = cliBundle, extraEnv: NodeJS.ProcessEnv = {}): Promise<Loaded> {
    const hook = join(folder(), 'hook.cjs');
    const list = join(folder(), `loaded-${Math.random().toString(36).slice(2)}.txt`);
    await writeFile(hook, HOOK);
    let code = 0;
    let stdout = '';
    let stderr = '';
    try {
      ({ stdout, stderr } = await execFileAsync(process.execPath, ['--require', hook, bundle, ...args], { cwd: folder(), env: { ...process.env, ...extraEnv, LOADED_LIST: list } }));
    } catch (error) {
      ({ code, stdout, stderr } = error as { code: number; stdout: string; stderr: string });
    }
    const urls = (await readFile(list, 'utf8')).split('\n');
    const packages = new Set(urls.map((url) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1]).filter((name): name is string => name !== undefined));
    // Packages bundled into the chunks that were loaded (zod, yaml, dockerode): esbuild marks each file's code.
    const bundled: string[] = [];
    const sources: string[] = [];
    for (const url of urls.filter((one) => one.startsWith('file:') && one.includes('/capstan.chunks/'))) {
      const text = await readFile(new URL(url), 'utf8');
      for (const match of text.matchAll(/^\/\/ (?:\S*\/)?node_modules\/(((?:@[^/]+\/)?[^/]+)\/\S+)/gm)) {
        packages.add(match[2] as string);
        bundled.push(match[1] as string);
      }
      sources.push(...[...text.matchAll(/^\/\/ (libs\/\S+)/gm)].map((match) => match[1] as string));
    }
    return { code, stdout, stderr, packages, urls, bundled, sources };
  }

  it.each([['--help'], ['--version'], ['help', 'run'], ['run', '--help'], ['completion', 'bash']])('capstan %s loads no backend, zod, yaml, dockerode or server', async (...args) => {
    const result = await loaded(args);
    expect(result.code).toBe(0);
    expect(HEAVY.filter((name) => result.packages.has(name))).toEqual([]);
    // No command's chunk either: the help text comes from the command definitions alone.
    expect(result.urls.filter((url) => /-command-[A-Z0-9]+\.mjs$/.test(url))).toEqual([]);
    // Nor node:util's ES facade (its lazy TextDecoder sets up ICU): the argument parser takes parseArgs without it.
    expect(result.urls).not.toContain('node:util');
  });

  it('capstan top --once, on this host or a server, loads no backend, dockerode, tsyringe or server', async () => {
    for (const args of [['top', '--once'], ['top', '--once', '--server', 'http://127.0.0.1:1']]) {
      const result = await loaded(args);
      // Port 1 answers nothing: the screen says so, with exit 69.
      expect(result.code).toBe(args.length === 2 ? 0 : 69);
      expect(result.urls.some((url) => /top-command-[A-Z0-9]+\.mjs$/.test(url))).toBe(true);
      expect(HEAVY.filter((name) => name !== 'zod' && result.packages.has(name))).toEqual([]);
      // Control for the undici checks: top asks a server with fetch.
      expect(undici(result.urls)).toBe(args.length > 2);
    }
  });

  it('capstan ps, and runs, logs and report given --work-root, load no backend, dockerode, tsyringe or server (zod reads their records)', async () => {
    const runs = join(folder(), 'runs');
    for (const args of [['ps'], ['runs', '--work-root', runs], ['logs', 'latest', '--work-root', runs], ['report', 'latest', '--work-root', runs]]) {
      const result = await loaded(args);
      expect(result.code).toBe(args[0] === 'logs' || args[0] === 'report' ? 66 : 0);
      if (args[0] === 'report') expect(result.urls.some((url) => /report-command-[A-Z0-9]+\.mjs$/.test(url))).toBe(true);
      expect(HEAVY.filter((name) => name !== 'zod' && result.packages.has(name))).toEqual([]);
    }
    // Control: without --work-root, runs reads the configuration, and that loads every backend's section.
    expect((await loaded(['runs'])).packages.has('dockerode')).toBe(true);
  });

  it('capstan run --help prints what the run command itself prints for --help', async () => {
    const short = await loaded(['run', '--help']);
    const long = await loaded(['run', '--json', '--help']);
    expect(long.code).toBe(0);
    expect(short.stdout).toMatch(/^Usage: capstan run /);
    expect(long.stdout).toBe(short.stdout);
    expect(long.urls.some((url) => /run-command-[A-Z0-9]+\.mjs$/.test(url))).toBe(true);
  });

  it('control: plan loads zod and yaml (bundled) and tsyringe (external), so the checks above can fail', async () => {
    const result = await loaded(['plan', join(workspaceRoot, 'examples', 'hello.yaml'), '--backend', 'local']);
    expect(result.code).toBe(0);
    expect(['zod', 'yaml', 'tsyringe'].filter((name) => !result.packages.has(name))).toEqual([]);
  });

  it('capstan run --backend local loads no other backend, dockerode, TES server, SQLite, Swagger, SSH, BuildKit gRPC, AWS SDK or Azure SDK', async () => {
    const result = await loaded(['run', '--backend', 'local', '--work-root', join(folder(), 'runs'), '--', 'true']);
    expect(result.code).toBe(0);
    expect([...SERVER_ONLY, ...DOCKER_EXTRAS, 'dockerode', 'docker-modem', 'tinyglobby', 'picomatch', 'yaml', '@aws-sdk/client-s3', '@aws-sdk/lib-storage', '@azure/storage-blob', '@azure/core-rest-pipeline'].filter((name) => result.packages.has(name))).toEqual([]);
    expect(backendChunks(result.urls)).toEqual(['local']);
    // reflect-metadata is the launcher's, resolved once before the bundle (and once more by main's own import), not by
    // each of the chunks.
    expect(result.urls.filter((url) => url === 'resolve:reflect-metadata').length).toBeLessThanOrEqual(2);
    expect(result.packages.has('reflect-metadata')).toBe(true);
    expect(result.urls).not.toContain('node:util');
    // Nor Node's HTTP client (the transfer takes it at its first HTTP transfer), nor undici.
    expect(result.urls.filter((url) => /^node:https?$/.test(url))).toEqual([]);
    expect(undici(result.urls)).toBe(false);
    // Control: the hook does see the built-in modules a run imports.
    expect(result.urls).toContain('node:child_process');
    // zod's locales but its default English (the bundle drops `z.locales`: Capstan writes its own messages).
    expect(result.bundled.filter((file) => file.startsWith('zod/v4/locales/'))).toEqual(['zod/v4/locales/en.js']);
  });

  it('control: a run whose input is an s3:// URL loads the AWS SDK, so the check above can fail', async () => {
    // Keys given, so the SDK never asks the credential chain (whose instance metadata lookup is no loopback address).
    const s3 = localS3Server();
    const store = {
      CAPSTAN_TRANSFER__S3__ENDPOINT: s3.endpoint,
      CAPSTAN_TRANSFER__S3__FORCE_PATH_STYLE: 'true',
      CAPSTAN_TRANSFER__S3__REGION: 'us-east-1',
      CAPSTAN_TRANSFER__S3__ACCESS_KEY_ID: s3.accessKeyId,
      CAPSTAN_TRANSFER__S3__SECRET_ACCESS_KEY: s3.secretAccessKey,
      CAPSTAN_TRANSFER__S3__RETRIES: '0',
    };
    const args = ['run', '--backend', 'local', '--work-root', join(folder(), 'runs'), '--input', `s3://${s3.bucket}/taskfiles-s3-no-such-object:/mnt/task/inputs/x`, '--', 'true'];
    const result = await loaded(args, cliBundle, store);
    expect(result.code).toBe(69);
    expect(result.packages.has('@aws-sdk/client-s3')).toBe(true);
  });

  it('capstan run --backend local builds no other backend\'s options schema: their plugin modules are never loaded', async () => {
    const runs = join(folder(), 'runs');
    const local = await loaded(['run', '--backend', 'local', '--work-root', runs, '--', 'true']);
    expect(local.code).toBe(0);
    expect(runnerLibraries(local.sources)).toEqual(['local-runner']);
    // Nor the `api` section's: it is built only to tell the server's variables from unknown ones.
    expect(local.sources.filter((file) => file.startsWith('libs/tes-server/') || file === 'libs/wiring/src/api-config.ts')).toEqual([]);
    const serverVariable = await loadedWith({ CAPSTAN_API__AUTH__TOKEN: 'secret' }, runs);
    expect(serverVariable.sources).toContain('libs/wiring/src/api-config.ts');
    expect(serverVariable.stderr).not.toContain('warning');
    // Control: a variable of the docker section makes it present, so its schema is built (and checks the value), yet
    // Docker's code stays unloaded; an unknown variable builds every section, for its "did you mean".
    const withDocker = await loadedWith({ CAPSTAN_DOCKER__PULL_POLICY: 'always' }, runs);
    expect(withDocker.code).toBe(0);
    expect(withDocker.sources).toContain('libs/docker-runner/src/docker-backend-plugin.ts');
    expect(runnerLibraries(withDocker.sources)).toEqual(['docker-api', 'docker-runner', 'local-runner']);
    expect(backendChunks(withDocker.urls)).toEqual(['local']);
    const typo = await loadedWith({ CAPSTAN_APPTAINR__BINARY: 'x' }, runs);
    expect(typo.code).toBe(0);
    expect(typo.stderr).toContain('did you mean CAPSTAN_APPTAINER__BINARY?');
    expect(runnerLibraries(typo.sources)).toEqual(['apptainer-runner', 'batch-runner', 'docker-api', 'docker-runner', 'local-runner', 'podman-runner', 'slurm-runner', 'tes-runner']);
  });

  it('fault: a bad value in a section the run does not use is still the typed error, naming the variable', async () => {
    const result = await loadedWith({ CAPSTAN_DOCKER__PULL_POLICY: 'sometimes' }, join(folder(), 'runs'));
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('environment variable CAPSTAN_DOCKER__PULL_POLICY');
    expect(backendChunks(result.urls)).toEqual([]);
  });

  it('capstan run on Docker loads no other backend, SSH or BuildKit gRPC (a local socket needs neither)', async () => {
    const result = await loaded(['run', '--backend', 'docker', '--shell', 'sh', '--image', 'capstan-test/busybox:1', '--work-root', join(folder(), 'runs'), '--', 'true']);
    expect(result.code).toBe(0);
    expect([...SERVER_ONLY, ...DOCKER_EXTRAS].filter((name) => result.packages.has(name))).toEqual([]);
    expect(result.packages.has('dockerode')).toBe(true);
    expect(backendChunks(result.urls)).toEqual(['docker']);
    // dockerode's packing, duplex, certificate and debug packages are required at first use, and none is used here;
    // node:http comes through docker-modem's require, without the ES facade that would load undici.
    expect(DOCKER_UNUSED.filter((name) => result.packages.has(name))).toEqual([]);
    expect(result.urls).toContain('node:http');
    expect(undici(result.urls)).toBe(false);
  });

  it('capstan run on Apptainer with a SIF loads no Docker code and no HTTP client (it asks a daemon only for docker-daemon: images)', async () => {
    const result = await loaded(['run', '--backend', 'apptainer', '--shell', 'sh', '--image', '/var/lib/capstan/test-images/busybox.sif', '--work-root', join(folder(), 'runs'), '--', 'true']);
    expect(result.code).toBe(0);
    expect(backendChunks(result.urls)).toEqual(['apptainer']);
    expect(result.packages.has('dockerode')).toBe(false);
    expect(result.urls.filter((url) => /^node:https?$/.test(url))).toEqual([]);
    expect(undici(result.urls)).toBe(false);
  });

  it('control: with DEBUG=modem a run on Docker loads debug and prints docker-modem\'s lines, as dockerode does unbundled', async () => {
    const result = await loaded(['run', '--backend', 'docker', '--shell', 'sh', '--image', 'capstan-test/busybox:1', '--work-root', join(folder(), 'runs'), '--', 'true'], cliBundle, { DEBUG: 'modem' });
    expect(result.code).toBe(0);
    expect(result.packages.has('debug')).toBe(true);
    expect(result.stderr).toMatch(/modem Sending: /);
  });

  it('control: serve loads the TES server (fastify, SQLite) when it starts one, so the checks above can fail', async () => {
    // Refused after the server's module is imported: local runs clients' commands on the host, and no flag allows it.
    const result = await loaded(['serve', '--backend', 'local', '--no-auth', '--port', '0', '--data-dir', join(folder(), 'tes-data')]);
    expect(result.stderr).toMatch(/runs every client's command on this host/);
    expect(result.code).not.toBe(0);
    expect(SERVER_ONLY.filter((name) => !result.packages.has(name))).toEqual([]);
  });

  it('capstan run on auto, where Docker answers, loads Docker alone: auto imports a backend only to probe it', async () => {
    const result = await loaded(['run', '--shell', 'sh', '--image', 'capstan-test/busybox:1', '--work-root', join(folder(), 'runs'), '--', 'true']);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('backend docker: available, chosen');
    expect(backendChunks(result.urls)).toEqual(['docker']);
  });

  it('control: a run whose task declares outputs loads the glob (tinyglobby), which a run without outputs does not', async () => {
    const task = join(folder(), 'task.yaml');
    const runs = join(folder(), 'runs');
    await writeFile(task, 'name: globbed\ncommand: echo a > a.txt\noutputs:\n  - "*.txt"\n');
    const globbed = await loaded(['run', '--backend', 'local', '--work-root', runs, task]);
    expect(globbed.code).toBe(0);
    expect(globbed.stdout).toMatch(/globbed +succeeded/);
    expect(globbed.packages.has('tinyglobby')).toBe(true);
    // And a task file, a configuration file or a `CAPSTAN_*` value is read with yaml, which the quick form never loads.
    expect(globbed.packages.has('yaml')).toBe(true);
    await writeFile(join(folder(), 'capstan.yaml'), 'usageIntervalSeconds: 0\n');
    const configured = await loaded(['run', '--backend', 'local', '--work-root', runs, '--', 'true']);
    expect(configured.code).toBe(0);
    expect(configured.packages.has('yaml')).toBe(true);
    const variable = await loadedWith({ CAPSTAN_USAGE_INTERVAL_SECONDS: '0' }, join(folder(), 'other-runs'));
    expect(variable.code).toBe(0);
    expect(variable.packages.has('yaml')).toBe(true);
  });

  it('fault: a configuration file that is not YAML is still the typed error once yaml is loaded at first use', async () => {
    await writeFile(join(folder(), 'capstan.yaml'), 'backend: [local\n');
    const result = await loaded(['run', '--work-root', join(folder(), 'runs'), '--', 'true']);
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('capstan.yaml is not valid YAML');
  });

  it('hostile: a command name from Object.prototype, or an option, loads nothing heavy and is a usage error', async () => {
    for (const name of ['constructor', '__proto__', 'toString', '--serve']) {
      const result = await loaded([name]);
      expect(result.code).toBe(64);
      expect(result.stderr).toMatch(/^capstan: unknown (command|option) /);
      expect(HEAVY.filter((pkg) => result.packages.has(pkg))).toEqual([]);
    }
  });

  /** A copy of the built CLI (inside the workspace, where its npm packages resolve) without the chunk named `prefix-*`. */
  async function withoutChunk(prefix: string, check: (bundle: string, chunk: string) => Promise<void>): Promise<void> {
    const copy = await mkdtemp(join(workspaceRoot, 'tmp', 'broken-bundle-'));
    try {
      await cp(dirname(cliBundle), copy, { recursive: true });
      const chunks = join(copy, 'capstan.chunks');
      const chunk = (await readdir(chunks)).find((name) => name.startsWith(`${prefix}-`) && name.endsWith('.mjs'));
      expect(chunk).toBeDefined();
      await rm(join(chunks, chunk as string));
      await check(join(copy, 'capstan.cjs'), chunk as string);
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  }

  it('fault: a missing command chunk fails that command with an internal error; --help still works', async () => {
    await withoutChunk('run-command', async (bundle, chunk) => {
      expect((await loaded(['--help'], bundle)).code).toBe(0);
      const run = await loaded(['run', '--backend', 'local', '--', 'true'], bundle);
      expect(run.code).toBe(70);
      expect(run.stderr).toContain('capstan: internal error');
      expect(run.stderr).toContain(chunk);
    });
  });

  it('fault: a missing backend chunk fails a run on that backend, naming the chunk; other backends still run', async () => {
    await withoutChunk('register-docker-backend', async (bundle, chunk) => {
      const runs = join(folder(), 'runs');
      const local = await loaded(['run', '--backend', 'local', '--work-root', runs, '--', 'true'], bundle);
      expect(local.code).toBe(0);
      const docker = await loaded(['run', '--backend', 'docker', '--image', 'capstan-test/busybox:1', '--work-root', runs, '--', 'true'], bundle);
      expect(docker.code).toBe(70);
      expect(docker.stderr).toContain(chunk);
    });
  });
});
