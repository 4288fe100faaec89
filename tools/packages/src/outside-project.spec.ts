import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { allTarballs, expectPackaged, type Outsider, outsider, root } from './testing/outsider';

// examples/custom-backend is a third party's project: it is copied out of the repository, its Capstan packages
// installed from the tarballs of `npm run package` and the rest from npm's cache, and used there as its README says.
const example = join(root, 'examples/custom-backend');
let scratch: Outsider;
let project: string;
let built: ReturnType<Outsider['run']>;
const bin = (): string => join(project, 'node_modules/.bin');
const capstan = (args: readonly string[], cwd = project): ReturnType<Outsider['run']> => scratch.run('capstan', args, cwd, { extraPath: bin(), timeoutMs: 60_000 });

beforeAll(() => {
  expectPackaged();
  scratch = outsider('capstan-outside-');
  project = join(scratch.dir, 'nice-backend');
  cpSync(example, project, { recursive: true, filter: (source) => !/\/(node_modules|dist|capstan-runs)$/.test(source) });
  // jest is the project's test runner, yet not in this machine's npm cache, and the test has no network: its own
  // `npm test` runs the workspace's jest instead (found on PATH), the one this repository's tests run on.
  const manifest = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
  delete manifest.devDependencies['jest'];
  writeFileSync(join(project, 'package.json'), JSON.stringify(manifest, null, 2));
  const install = scratch.npm(['install', '--prefer-offline', ...allTarballs()], project);
  expect(install.stderr).not.toMatch(/npm error/);
  expect(install.status).toBe(0);
  built = scratch.npm(['run', 'build'], project);
}, 300_000);
afterAll(() => scratch?.remove());

describe('the custom-backend example, installed and used outside the repository', () => {
  jest.setTimeout(120_000);

  it('uses public entry points and no path aliases, and compiles in strict TypeScript against the installed declarations', () => {
    const sources = readdirSync(join(project, 'src')).map((file) => readFileSync(join(project, 'src', file), 'utf8'));
    expect(sources.join('\n').match(/from '@capstan\/[^']*\/[^']*'|from '\.\.\//g)).toBeNull();
    const { compilerOptions } = JSON.parse(readFileSync(join(project, 'tsconfig.json'), 'utf8')) as { compilerOptions: Record<string, unknown> };
    expect(compilerOptions).toMatchObject({ strict: true, module: 'node16', moduleResolution: 'node16', skipLibCheck: false });
    expect(compilerOptions).not.toHaveProperty('paths');
    expect(built).toMatchObject({ stdout: expect.not.stringContaining('error'), status: 0 });
    expect(readdirSync(join(project, 'dist')).sort()).toEqual(['nice-backend.conformance.spec.js', 'nice-backend.js', 'run-many.js']);
  });

  it('a wrong use of the plugin contract fails to compile: a plugin\'s options are typed from its schema', () => {
    const wrong = join(project, 'src/wrong-use.ts');
    writeFileSync(
      wrong,
      "import { defineBackendPlugin, registerBackend } from '@capstan/core-constraints';\nimport { z } from 'zod';\nimport { NiceBackend } from './nice-backend.js';\n" +
        "export const wrong = defineBackendPlugin({ name: 'wrong', optionsSchema: z.object({ niceness: z.number() }), register: (container, options) => {\n" +
        '  const label: string = options.niceness;\n  registerBackend(container, () => new NiceBackend({ graceSeconds: Number(label) }));\n} });\n',
    );
    try {
      const compiled = scratch.run(join(bin(), 'tsc'), ['-p', '.', '--noEmit'], project);
      expect(compiled.stdout).toMatch(/src\/wrong-use\.ts\(5,9\): error TS2322: Type 'number' is not assignable to type 'string'/);
      expect(compiled.status).not.toBe(0);
    } finally {
      execFileSync('rm', ['-f', wrong]);
    }
  });

  it('capstan.yaml selects the plugin (plugins: and backend:) and the installed capstan CLI runs a task on it', () => {
    const result = capstan(['run', 'niceness.yaml']);
    // Niceness 12 is the nice: section's; a task on any other backend would run at 0.
    expect(result.stdout + result.stderr).toMatch(/\[show-niceness\] last output: running at niceness 12\n/);
    expect(result.status).toBe(0);
  });

  describe('a broken plugin stops the installed CLI with a clear error and exit 78, and nothing runs nor stays running', () => {
    // Each module also leaves a timer behind, as a careless plugin does: capstan must still exit.
    const LINGER = 'setInterval(() => undefined, 1000);\n';
    it.each([
      ['a path to no file', '', 'plugins: ["./nowhere.js"]\nbackend: broken\n', /plugin "\.\/nowhere\.js": there is no file .*nowhere\.js; fix the path in `plugins:`/],
      ['a module that throws on import', `${LINGER}throw new Error('boom at import');\n`, 'plugins: ["./plugin.mjs"]\nbackend: broken\n', /plugin "\.\/plugin\.mjs": importing .*plugin\.mjs failed: boom at import; fix the plugin, or remove it/],
      [
        'a register that rejects',
        `import { z } from 'zod';\nexport const plugin = { name: 'broken', optionsSchema: z.object({}), async register() {\n${LINGER}throw new Error('late boom'); } };\n`,
        'plugins: ["./plugin.mjs"]\nbackend: broken\n',
        /plugin "\.\/plugin\.mjs": its register\(\) failed: late boom; fix the plugin/,
      ],
      ['options its schema refuses (a negative niceness would raise priority)', '', 'plugins: ["../dist/nice-backend.js"]\nbackend: nice\nnice:\n  niceness: -5\n', /nice\.niceness: .*-5 is below the minimum of 0 \(the options of plugin "\.\.\/dist\/nice-backend\.js"/],
    ])('%s', (_label, module, config, message) => {
      const dir = mkdtempSync(join(project, 'broken-'));
      if (module !== '') writeFileSync(join(dir, 'plugin.mjs'), module);
      writeFileSync(join(dir, 'capstan.yaml'), config);
      const result = capstan(['run', '--', 'echo', 'never'], dir);
      expect({ status: result.status, signal: result.signal, stderr: result.stderr }).toMatchObject({ status: 78, signal: null, stderr: expect.stringMatching(message) });
      // No run folder: no task was started.
      expect(readdirSync(dir).sort()).toEqual(module === '' ? ['capstan.yaml'] : ['capstan.yaml', 'plugin.mjs']);
    });
  });

  it('passes the conformance suite of the installed @capstan/backend-conformance (its own `npm test`)', () => {
    const result = scratch.run('npm', ['test', '--', '--ci'], project, { extraPath: join(root, 'node_modules/.bin'), timeoutMs: 240_000 });
    expect(result.stderr).toMatch(/PASS dist\/nice-backend\.conformance\.spec\.js/);
    expect(result.stderr).toMatch(/✓ cancels a running task and leaves nothing running/);
    // Every scenario the installed suite has: the ten the nice backend declares pass, the six it does not (read-only
    // inputs, memory limits, images, three of resource usage) are skipped by name.
    expect(result.stderr).toMatch(/Tests: +6 skipped, 10 passed, 16 total/);
    expect(result.status).toBe(0);
  });
});

describe('run-many: an engine composed from the installed packages, as a library user writes one', () => {
  const runMany = (args: readonly string[]): ReturnType<Outsider['run']> => scratch.run(process.execPath, ['dist/run-many.js', ...args], project, { timeoutMs: 300_000 });
  const docker = (args: readonly string[]): string[] => execFileSync('docker', args, { encoding: 'utf8' }).split('\n').filter(Boolean);

  it('runs 100 tasks on Docker: all succeed, the bar reaches 100% a line per 10%, and no container is left behind', async () => {
    // What Docker saw, watched live (the daemon keeps too few past events to ask afterwards on a busy machine).
    const watcher = spawn('docker', ['events', '--filter', 'label=io.capstan.managed=true', '--filter', 'event=create', '--filter', 'event=destroy', '--format', '{{.Action}} {{index .Actor.Attributes "io.capstan.run-id"}}']);
    let seen = '';
    watcher.stdout.on('data', (chunk: Buffer) => (seen += chunk.toString()));
    await new Promise((ready) => setTimeout(ready, 1000));
    const result = runMany([]);
    await new Promise((ready) => setTimeout(ready, 1000));
    watcher.kill();
    expect(result.stderr.split('\n').filter(Boolean)).toEqual(
      Array.from({ length: 10 }, (_, tenth) => expect.stringMatching(new RegExp(`^\\[[#.]{30}\\] ${(tenth + 1) * 10}% ${(tenth + 1) * 10}/100, 0 failed$`))),
    );
    expect(result.stderr).toContain(`[${'#'.repeat(30)}] 100% 100/100, 0 failed`);
    const runId = /^run ([a-z0-9]+): 100 of 100 tasks succeeded/m.exec(result.stdout)?.[1];
    expect(runId).toBeDefined();
    expect(result.status).toBe(0);
    // The label check: this run's label is on 100 containers Docker created and 100 it removed, and on none left.
    const count = (action: string): number => seen.split('\n').filter((line) => line === `${action} ${runId}`).length;
    expect({ created: count('create'), removed: count('destroy') }).toEqual({ created: 100, removed: 100 });
    expect(docker(['ps', '-a', '--filter', `label=io.capstan.run-id=${runId}`, '--format', '{{.Names}}'])).toEqual([]);
    const folder = readdirSync(join(project, 'capstan-runs')).find((name) => name.endsWith(`-${runId}`)) ?? '';
    const task7 = readdirSync(join(project, 'capstan-runs', folder)).find((name) => name.startsWith('task-7-')) ?? '';
    expect(readFileSync(join(project, 'capstan-runs', folder, task7, 'attempts/1/stdout'), 'utf8')).toMatch(/^task 7 in [0-9a-f]{12}\n$/);
  });

  it('on a terminal, redraws the bar in place', () => {
    // script(1) gives the command a pseudo-terminal, as an interactive user's shell would.
    const result = scratch.run('script', ['-qec', `${process.execPath} dist/run-many.js 2`, '/dev/null'], project, { timeoutMs: 120_000 });
    expect(result.stdout).toMatch(/\r\[#{15}\.{15}\] 50% 1\/2, 0 failed\r\[#{30}\] 100% 2\/2, 0 failed\r\n/);
    expect(result.stdout).not.toMatch(/50% 1\/2, 0 failed\r?\n/);
    expect(result.status).toBe(0);
  });

  it('exits 1 when a task fails, naming it; the bar still reaches 100%', () => {
    const result = runMany(['3', 'exit 3']);
    expect(result.stderr).toContain('100% 3/3, 3 failed');
    expect(result.stderr).toMatch(/^task-1: failed \(exited\): .*; see \//m);
    expect(result.stdout).toMatch(/: 0 of 3 tasks succeeded/);
    expect(result.status).toBe(1);
  });

  it('refuses a count that is not a whole number above 0', () => {
    const runs = (): string[] => (existsSync(join(project, 'capstan-runs')) ? readdirSync(join(project, 'capstan-runs')) : []);
    const before = runs();
    const result = runMany(['-1']);
    expect(result.stderr).toContain('COUNT must be a whole number above 0, not "-1"');
    expect(result.status).not.toBe(0);
    expect(runs()).toEqual(before);
  });
});

describe('the README\'s library example', () => {
  it('is examples/custom-backend/src/run-many.ts, word for word', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Capstan as a library'));
    const block = /```ts\n([^]*?)```/.exec(section)?.[1];
    expect(block).toBe(readFileSync(join(example, 'src/run-many.ts'), 'utf8'));
  });
});
