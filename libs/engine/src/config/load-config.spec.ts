import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { loadConfig } from './load-config';

const sections = { docker: z.strictObject({ pullPolicy: z.enum(['if-not-present', 'always', 'never']).default('if-not-present'), graceSeconds: z.number().default(10) }) };

describe('loadConfig', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'capstan-config-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('gives the defaults when there is no file', async () => {
    const config = await loadConfig({ sections, cwd: dir, env: { HOME: dir } });
    expect(config.file).toBeUndefined();
    expect(config.engine).toEqual({
      backend: 'auto',
      workRoot: join(dir, 'capstan-runs'),
      shell: 'bash',
      limits: { cpu: 'deny', memory: 'deny', gpu: 'deny' },
      retention: 'keep',
      reapOnStart: true,
      memoryRetryMultiplier: 1,
      usageIntervalSeconds: 5,
      plugins: [],
    });
    expect(config.backends).toEqual({ docker: { pullPolicy: 'if-not-present', graceSeconds: 10 } });
  });

  it('reads ./capstan.yaml first, then the user config folder', async () => {
    await mkdir(join(dir, 'home', '.config', 'capstan'), { recursive: true });
    await writeFile(join(dir, 'home', '.config', 'capstan', 'config.yaml'), 'backend: local\n');
    expect((await loadConfig({ sections, cwd: dir, env: { HOME: join(dir, 'home') } })).engine.backend).toBe('local');
    await writeFile(join(dir, 'capstan.yaml'), 'backend: docker\ndocker:\n  pullPolicy: always\n');
    const config = await loadConfig({ sections, cwd: dir, env: { HOME: join(dir, 'home') } });
    expect(config.file).toBe(join(dir, 'capstan.yaml'));
    expect(config.engine.backend).toBe('docker');
    expect(config.backends['docker']).toEqual({ pullPolicy: 'always', graceSeconds: 10 });
  });

  it('lets CAPSTAN_ variables override the file, and flags override both', async () => {
    await writeFile(join(dir, 'capstan.yaml'), 'retention: keep\ntimeoutSeconds: 60\ndocker: { graceSeconds: 5 }\n');
    const env = { HOME: dir, CAPSTAN_RETENTION: 'delete-always', CAPSTAN_DOCKER__PULL_POLICY: 'never', CAPSTAN_TIMEOUT_SECONDS: '30', CAPSTAN_REAP_ON_START: 'false' };
    const config = await loadConfig({ sections, cwd: dir, env, flags: { 'docker.pullPolicy': 'always', retention: undefined } });
    expect(config.engine.retention).toBe('delete-always');
    expect(config.engine.timeoutSeconds).toBe(30);
    expect(config.engine.reapOnStart).toBe(false);
    expect(config.backends['docker']).toEqual({ pullPolicy: 'always', graceSeconds: 5 });
  });

  it('keeps an object store\'s outputDir (s3://bucket/prefix) as written: it is no host path', async () => {
    expect((await loadConfig({ sections, cwd: dir, env: { HOME: dir }, flags: { outputDir: 's3://bucket/runs' } })).engine.outputDir).toBe('s3://bucket/runs');
    // A relative path that merely holds "s3:" is still a host path.
    expect((await loadConfig({ sections, cwd: dir, env: { HOME: dir }, flags: { outputDir: 's3:bucket' } })).engine.outputDir).toBe(join(dir, 's3:bucket'));
  });

  it('reads outputDir from the file, CAPSTAN_OUTPUT_DIR or a flag, relative to the working folder', async () => {
    await writeFile(join(dir, 'capstan.yaml'), 'outputDir: results\n');
    expect((await loadConfig({ sections, cwd: dir, env: { HOME: dir } })).engine.outputDir).toBe(join(dir, 'results'));
    expect((await loadConfig({ sections, cwd: dir, env: { HOME: dir, CAPSTAN_OUTPUT_DIR: '/srv/out' } })).engine.outputDir).toBe('/srv/out');
    expect((await loadConfig({ sections, cwd: dir, env: { HOME: dir }, flags: { outputDir: 'elsewhere' } })).engine.outputDir).toBe(join(dir, 'elsewhere'));
  });

  it.each([
    ['outputDir: ""\n', 'outputDir', '""'],
    ['retention: sometimes\n', 'retention', '"sometimes"'],
    ['limits: { cpu: clamp }\n', 'limits.cpu', '"clamp"'],
    ['docker: { pullPolicy: maybe }\n', 'docker.pullPolicy', '"maybe"'],
    ['docker: { pulPolicy: always }\n', 'docker', 'pulPolicy'],
    ['bakend: docker\n', null, 'bakend'],
    ['timeoutSeconds: -5\n', 'timeoutSeconds', '-5'],
  ])('refuses %j, naming the file, the path and the value', async (text, path, shown) => {
    await writeFile(join(dir, 'capstan.yaml'), text);
    const error = await loadConfig({ sections, cwd: dir, env: { HOME: dir } }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'config.invalid', path });
    expect((error as Error).message).toContain(join(dir, 'capstan.yaml'));
    expect((error as Error).message).toContain(shown);
  });

  it('reads usageIntervalSeconds, 0 turning sampling off, and refuses one too fast, too slow or not a number, naming field, value and bounds', async () => {
    expect((await loadConfig({ sections, cwd: dir, env: { CAPSTAN_USAGE_INTERVAL_SECONDS: '0' } })).engine.usageIntervalSeconds).toBe(0);
    expect((await loadConfig({ sections, cwd: dir, env: { CAPSTAN_USAGE_INTERVAL_SECONDS: '0.5' } })).engine.usageIntervalSeconds).toBe(0.5);
    for (const [value, why] of [
      ['0.01', /0\.01.*at least 0\.2 s .*or 0 to turn sampling off/],
      ['7200', /7200.*3600/],
      ['-1', /-1/],
      ['often', /often/],
    ] as const) {
      const error = await loadConfig({ sections, cwd: dir, env: { CAPSTAN_USAGE_INTERVAL_SECONDS: value } }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'config.invalid', path: 'usageIntervalSeconds' });
      expect((error as Error).message).toMatch(/^environment variable CAPSTAN_USAGE_INTERVAL_SECONDS: /);
      expect((error as Error).message).toMatch(why);
    }
  });

  it('names the variable or flag that set a bad value; a bad flag is a usage error', async () => {
    const fromEnv = await loadConfig({ sections, cwd: dir, env: { CAPSTAN_LIMITS__MEMORY: 'clamp' } }).catch((e: unknown) => e);
    expect(fromEnv).toMatchObject({ code: 'config.invalid', path: 'limits.memory' });
    expect((fromEnv as Error).message).toMatch(/^environment variable CAPSTAN_LIMITS__MEMORY: "clamp" is not one of/);
    const fromFlag = await loadConfig({ sections, cwd: dir, env: {}, flags: { 'docker.pullPolicy': 'sometimes' } }).catch((e: unknown) => e);
    expect(fromFlag).toMatchObject({ code: 'usage.invalid', path: 'docker.pullPolicy' });
    expect((fromFlag as Error).message).toMatch(/^command line: "sometimes" is not one of/);
  });

  it('refuses a config file that is not YAML, or an explicit file that does not exist', async () => {
    await writeFile(join(dir, 'bad.yaml'), 'a: [1, 2\n');
    await expect(loadConfig({ sections, cwd: dir, env: {}, file: 'bad.yaml' })).rejects.toMatchObject({ code: 'config.invalid' });
    await expect(loadConfig({ sections, cwd: dir, env: {}, file: 'absent.yaml' })).rejects.toThrow(/absent\.yaml cannot be read/);
  });

  it.each<[string, string, string]>([
    ['docker: { pulPolicy: always }\n', 'docker', 'unknown key "pulPolicy"; did you mean "pullPolicy"?'],
    ['bakend: docker\n', 'bakend', 'unknown key "bakend"; did you mean "backend"?'],
    ['limits: { cpus: deny }\n', 'limits', 'unknown key "cpus"; did you mean "cpu"?'],
    ['colour: blue\n', 'colour', 'unknown key "colour" (known keys: backend, workRoot,'],
  ])('suggests the nearest key for a typo in the file: %j', async (text, _key, message) => {
    await writeFile(join(dir, 'capstan.yaml'), text);
    const error = await loadConfig({ sections, cwd: dir, env: { HOME: dir } }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'config.invalid' });
    expect((error as Error).message).toContain(message);
  });

  describe('CAPSTAN_ variables', () => {
    it('ignores one that is no setting with one warning, naming it and the nearest documented variable', async () => {
      const config = await loadConfig({ sections, cwd: dir, env: { HOME: dir, CAPSTAN_HOME: '/x', CAPSTAN_BAKEND: 'local', CAPSTAN_DOCKER__PULLPOLICY: 'never' } });
      expect(config.engine.backend).toBe('auto');
      expect(config.backends['docker']).toEqual({ pullPolicy: 'if-not-present', graceSeconds: 10 });
      expect(config.warnings).toEqual([
        'environment variable CAPSTAN_HOME is not a Capstan setting and is ignored; Capstan reads only its documented settings (e.g. CAPSTAN_BACKEND)',
        'environment variable CAPSTAN_BAKEND is not a Capstan setting and is ignored; did you mean CAPSTAN_BACKEND?',
        'environment variable CAPSTAN_DOCKER__PULLPOLICY is not a Capstan setting and is ignored; did you mean CAPSTAN_DOCKER__PULL_POLICY?',
      ]);
    });

    it('never reads nor warns about the variables Capstan sets inside tasks (a nested capstan)', async () => {
      const config = await loadConfig({ sections, cwd: dir, env: { HOME: dir, CAPSTAN_TASK_ROOT: '/tmp/run/attempts/1', CAPSTAN_ATTEMPT: '2' } });
      expect(config.warnings).toEqual([]);
      expect(config.engine.backend).toBe('auto');
    });

    it('reads every documented variable, including keys below an open setting, and no more', async () => {
      const open = { ...sections, docker: z.strictObject({ registries: z.record(z.string(), z.strictObject({ username: z.string() })).default({}) }) };
      const config = await loadConfig({ sections: open, cwd: dir, env: { CAPSTAN_DOCKER__REGISTRIES__HUB__USERNAME: 'me', CAPSTAN_BACKEND__X: 'y', CAPSTAN_: '1', CAPSTAN____: '1' } });
      expect(config.backends['docker']).toEqual({ registries: { hub: { username: 'me' } } });
      expect(config.engine.backend).toBe('auto');
      expect(config.warnings).toHaveLength(3);
    });

    it('accepts another command\'s section in the file and its variables, without reading or validating them', async () => {
      await writeFile(join(dir, 'capstan.yaml'), 'api: { port: not-a-port }\n');
      const otherSections = { api: z.strictObject({ port: z.number(), auth: z.strictObject({ token: z.string() }).optional() }) };
      const config = await loadConfig({ sections, otherSections, cwd: dir, env: { HOME: dir, CAPSTAN_API__AUTH__TOKEN: 'secret', CAPSTAN_API__AUTH__TOKNE: 'x' } });
      expect(config.backends).not.toHaveProperty('api');
      expect(config.warnings).toEqual(['environment variable CAPSTAN_API__AUTH__TOKNE is not a Capstan setting and is ignored; did you mean CAPSTAN_API__AUTH__TOKEN?']);
      await expect(loadConfig({ sections, cwd: dir, env: { HOME: dir } })).rejects.toMatchObject({ code: 'config.invalid' });
    });

    it('still refuses a file key that is only a name on Object.prototype', async () => {
      await writeFile(join(dir, 'capstan.yaml'), 'toString: 1\n');
      const error = await loadConfig({ sections, otherSections: { api: z.strictObject({}) }, cwd: dir, env: { HOME: dir } }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'config.invalid', message: expect.stringContaining('unknown key "toString"') });
    });

    it('escapes a hostile variable name in the warning', async () => {
      const config = await loadConfig({ sections, cwd: dir, env: { HOME: dir, 'CAPSTAN_X\u001b[2J': '1' } });
      expect(config.warnings).toEqual(['environment variable CAPSTAN_X\\u001b[2J is not a Capstan setting and is ignored; Capstan reads only its documented settings (e.g. CAPSTAN_BACKEND)']);
    });
  });
});
