import { CapstanError } from '@capstan/core-constraints';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { loadConfig } from './load-config';

const sections = {
  docker: z.strictObject({ pullPolicy: z.enum(['if-not-present', 'always', 'never']).default('if-not-present'), graceSeconds: z.number().default(10) }),
  slurm: z.strictObject({ partition: z.string().optional(), runtime: z.enum(['apptainer', 'docker']).default('apptainer') }),
  local: z.strictObject({}),
};

describe('loadConfig with several backends', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'capstan-multi-config-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function load(yaml: string, flags: Record<string, unknown> = {}) {
    await writeFile(join(dir, 'capstan.yaml'), yaml);
    return loadConfig({ sections, cwd: dir, env: { HOME: dir }, flags });
  }

  async function refusal(yaml: string, flags: Record<string, unknown> = {}): Promise<CapstanError> {
    const error = await load(yaml, flags).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    if (error instanceof CapstanError) return error;
    throw new Error(`expected a CapstanError, got ${String(error)}`);
  }

  const MULTI = [
    'docker: { pullPolicy: never }',
    'backends:',
    '  here: { type: local }',
    '  hpc: { type: slurm, partition: long }',
    '  box: { type: docker, graceSeconds: 3 }',
    'routes:',
    '  - { backend: hpc, when: { minCpu: 4 } }',
    '  - { backend: here, when: { shortTask: true } }',
    '',
  ].join('\n');

  it('reads each named backend with its own options over its type\'s section, and the first as the default', async () => {
    const config = await load(MULTI);
    expect(config.named).toEqual({
      here: { type: 'local', options: {} },
      hpc: { type: 'slurm', options: { partition: 'long', runtime: 'apptainer' } },
      box: { type: 'docker', options: { pullPolicy: 'never', graceSeconds: 3 } },
    });
    expect(config.engine.backend).toBe('here');
    expect(config.engine.routes).toEqual([
      { backend: 'hpc', when: { minCpu: 4 } },
      { backend: 'here', when: { shortTask: true } },
    ]);
  });

  it('takes the default from backend:, and a flag over it', async () => {
    expect((await load(`backend: box\n${MULTI}`)).engine.backend).toBe('box');
    expect((await load(`backend: box\n${MULTI}`, { backend: 'hpc' })).engine.backend).toBe('hpc');
  });

  it('leaves a single-backend configuration as it was: no named backends', async () => {
    const config = await load('backend: docker\n');
    expect(config.named).toBeUndefined();
    expect(config.engine.backend).toBe('docker');
    expect(config.engine.routes).toBeUndefined();
  });

  it.each<[string, string, Record<string, unknown>, string, string, string]>([
    ['a rule naming a backend not configured', `${MULTI}  - { backend: gpu, when: { gpu: true } }\n`, {}, 'config.invalid', 'routes.2.backend', 'routes.2.backend is "gpu", which is not a backend of backends:; the configured backends are "here", "hpc", "box"'],
    ['a default naming a type, not a name', `backend: docker\n${MULTI}`, {}, 'config.invalid', 'backend', 'backend is "docker", which is not a backend of backends:'],
    ['a --backend flag naming no configured backend', MULTI, { backend: 'slurm' }, 'usage.invalid', 'backend', 'command line: backend is "slurm"'],
    ['an unknown type', 'backends:\n  hpc: { type: lsf }\n', {}, 'config.invalid', 'backends.hpc.type', 'backends.hpc.type is "lsf", which is no backend type; the types are "docker", "slurm", "local"'],
    ['a type\'s option it does not have', 'backends:\n  hpc: { type: slurm, partitoin: long }\n', {}, 'config.invalid', 'backends.hpc', 'partitoin'],
    ['a type\'s option of the wrong type', 'backends:\n  box: { type: docker, graceSeconds: soon }\n', {}, 'config.invalid', 'backends.box.graceSeconds', '"soon" is not a number'],
    ['an entry without a type', 'backends:\n  box: { pullPolicy: never }\n', {}, 'config.invalid', 'backends.box.type', 'a value is required here'],
    ['a name that is no plain word', 'backends:\n  "../box": { type: docker }\n', {}, 'config.invalid', 'backends', 'a backend name is a lower-case letter'],
    ['a backend called auto', 'backends:\n  auto: { type: docker }\n', {}, 'config.invalid', 'backends', '"auto" is no backend name'],
    ['an empty backends:', 'backends: {}\n', {}, 'config.invalid', 'backends', 'backends: is empty'],
    ['routes without backends', 'routes:\n  - { backend: box }\n', {}, 'config.invalid', 'routes', 'routes: picks among the backends of backends:'],
  ])('refuses %s, naming the field, the value and the fix', async (_label, yaml, flags, code, path, message) => {
    const error = await refusal(yaml, flags);
    expect({ code: error.code, path: error.path }).toEqual({ code, path: expect.stringContaining(path) });
    expect(error.message).toContain(message);
  });
});
