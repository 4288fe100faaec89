import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { type LazySections, loadConfig } from './load-config';

const SCHEMAS: Readonly<Record<string, z.ZodType>> = {
  docker: z.strictObject({ pullPolicy: z.enum(['if-not-present', 'always']).default('if-not-present'), user: z.string().optional() }),
  podman: z.strictObject({ socketPath: z.string().optional() }),
  local: z.strictObject({ shell: z.string().default('sh') }),
  slurm: z.strictObject({ partition: z.string().optional() }),
};

/** Lazy sections whose loads are recorded; `wanted` mimics wiring's: auto needs docker, podman and local. */
function lazy(): LazySections & { readonly loads: string[][] } {
  const loads: string[][] = [];
  const names = Object.keys(SCHEMAS);
  return {
    loads,
    names,
    wanted: (backend) => (backend === undefined || backend === 'auto' ? ['docker', 'podman', 'local'] : names.includes(backend as string) ? [backend as string] : names),
    load: (wanted) => {
      loads.push([...wanted]);
      return Promise.resolve(Object.fromEntries(wanted.map((name) => [name, SCHEMAS[name] as z.ZodType])));
    },
  };
}

describe('loadConfig with lazy sections: builds only the sections a command uses', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'capstan-config-lazy-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const load = (sections: ReturnType<typeof lazy>, env: NodeJS.ProcessEnv = {}, flags: Record<string, unknown> = {}, file?: string) =>
    loadConfig({ sections: {}, lazySections: sections, cwd: dir, env: { HOME: dir, ...env }, flags, ...(file === undefined ? {} : { file }) });

  it('builds the chosen backend alone when no source gives another section a value', async () => {
    const sections = lazy();
    const config = await load(sections, {}, { backend: 'local' });
    expect(sections.loads).toEqual([['local']]);
    expect(config.backends).toEqual({ local: { shell: 'sh' } });
  });

  it('builds what auto probes when no backend is set', async () => {
    const sections = lazy();
    await load(sections);
    expect(sections.loads).toEqual([['docker', 'podman', 'local']]);
  });

  it('builds a section with a value in the file, an environment variable or a flag, and validates it', async () => {
    const file = join(dir, 'capstan.yaml');
    await writeFile(file, 'backend: local\nslurm:\n  partition: short\n');
    const sections = lazy();
    const config = await load(sections, { CAPSTAN_PODMAN__SOCKET_PATH: '/run/p.sock' }, { 'docker.pullPolicy': 'always' }, file);
    expect(sections.loads).toEqual([['docker', 'podman', 'local', 'slurm']]);
    expect(config.backends).toEqual({ docker: { pullPolicy: 'always' }, podman: { socketPath: '/run/p.sock' }, local: { shell: 'sh' }, slurm: { partition: 'short' } });
  });

  it('the backend set by the environment wins over the file, as when the sources are merged', async () => {
    const file = join(dir, 'capstan.yaml');
    await writeFile(file, 'backend: docker\n');
    const sections = lazy();
    expect((await load(sections, { CAPSTAN_BACKEND: 'slurm' }, {}, file)).engine.backend).toBe('slurm');
    expect(sections.loads).toEqual([['slurm']]);
  });

  it('fault: a present section that was not chosen still gets its typed error, naming the variable', async () => {
    const sections = lazy();
    await expect(load(sections, { CAPSTAN_DOCKER__PULL_POLICY: 'sometimes' }, { backend: 'local' })).rejects.toMatchObject({
      path: 'docker.pullPolicy',
      message: expect.stringContaining('environment variable CAPSTAN_DOCKER__PULL_POLICY'),
    });
  });

  it('fault: an unknown variable builds every section, so its warning suggests from all of them as before', async () => {
    const sections = lazy();
    const config = await load(sections, { CAPSTAN_DOKER__USER: 'root' }, { backend: 'local' });
    expect(sections.loads).toEqual([['local'], ['docker', 'podman', 'local', 'slurm']]);
    expect(config.warnings).toEqual([expect.stringContaining('did you mean CAPSTAN_DOCKER__USER?')]);
  });

  it('hostile: a backend or key named after Object.prototype, or not a string, builds no section by that name', async () => {
    const file = join(dir, 'hostile.yaml');
    await writeFile(file, 'constructor: {}\n__proto__: {}\nbackend: [docker]\n');
    const sections = lazy();
    await expect(load(sections, { CAPSTAN_TO_STRING: 'x' }, {}, file)).rejects.toMatchObject({ path: 'backend' });
    // A backend that names no section needs them all (the unknown-backend error lists every one).
    expect(sections.loads).toEqual([['docker', 'podman', 'local', 'slurm']]);
    const byName = lazy();
    await expect(load(byName, {}, { backend: '__proto__' })).resolves.toMatchObject({ engine: { backend: '__proto__' } });
    expect(byName.loads).toEqual([['docker', 'podman', 'local', 'slurm']]);
  });

  describe('another command\'s section given as a function', () => {
    const api = z.strictObject({ port: z.number().default(8000), auth: z.strictObject({ token: z.string() }).optional() });
    const withApi = (env: NodeJS.ProcessEnv, schema: () => Promise<z.ZodType>) =>
      loadConfig({ sections: {}, otherSections: { api: schema }, cwd: dir, env: { HOME: dir, ...env }, flags: { backend: 'local' } });

    it('is not built when every variable is a setting of the command, nor for its section in the file', async () => {
      await writeFile(join(dir, 'capstan.yaml'), 'api:\n  port: 1\n');
      const schema = jest.fn(() => Promise.resolve(api));
      const config = await withApi({ CAPSTAN_BACKEND: 'local' }, schema);
      expect(schema).not.toHaveBeenCalled();
      expect(config.backends).not.toHaveProperty('api');
    });

    it('is built for a variable that is no setting of the command: its own are ignored silently, a typo warned about', async () => {
      const schema = jest.fn(() => Promise.resolve(api));
      const config = await withApi({ CAPSTAN_API__AUTH__TOKEN: 'secret', CAPSTAN_API__PROT: '1' }, schema);
      expect(schema).toHaveBeenCalledTimes(1);
      expect(config.warnings).toEqual([expect.stringContaining('CAPSTAN_API__PROT is not a Capstan setting and is ignored; did you mean CAPSTAN_API__PORT?')]);
    });

    it('fault: a schema that cannot be built fails the command with its error', async () => {
      await expect(withApi({ CAPSTAN_API__PORT: '1' }, () => Promise.reject(new Error('chunk missing')))).rejects.toThrow('chunk missing');
    });
  });

  it('builds the types of named backends, from the file or the environment, and no other section', async () => {
    const fromFile = lazy();
    await writeFile(join(dir, 'capstan.yaml'), 'backends:\n  hpc: { type: slurm, partition: long }\n  box: { type: docker }\n');
    const config = await load(fromFile);
    expect(fromFile.loads.flat().sort()).toEqual(['docker', 'slurm']);
    expect(config.named).toEqual({ hpc: { type: 'slurm', options: { partition: 'long' } }, box: { type: 'docker', options: { pullPolicy: 'if-not-present' } } });
    await rm(join(dir, 'capstan.yaml'));
    const fromEnv = lazy();
    const viaEnv = await load(fromEnv, { CAPSTAN_BACKENDS__BOX__TYPE: 'docker', CAPSTAN_BACKENDS__BOX__PULL_POLICY: 'always' });
    expect(fromEnv.loads.flat()).toEqual(['docker']);
    expect(viaEnv.named).toEqual({ box: { type: 'docker', options: { pullPolicy: 'always' } } });
  });
});
