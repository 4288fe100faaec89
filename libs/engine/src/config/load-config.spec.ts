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
});
