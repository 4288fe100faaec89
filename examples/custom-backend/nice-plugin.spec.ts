// The example's plugin through the seam, as a user meets it: given to wire() in code, or named by `plugins:` in a
// config file; either way selected by `backend: nice` and configured by its `nice:` section. Real processes, no fakes.
import { type BackendPlugin, ErrorCode, loadTaskFile } from '@capstan/core-constraints';
import { wire } from '@capstan/wiring';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { plugin } from './nice-backend';

jest.setTimeout(30_000);

describe('the nice plugin', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'capstan-plugin-seam-nice-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const stdoutOf = async (configFile: string, plugins: readonly BackendPlugin[] = []): Promise<string> => {
    const { engine, backend } = await wire({ configFile, plugins, flags: { workRoot: join(dir, 'runs') } });
    try {
      expect(backend.name).toBe('nice');
      const result = await engine.run(await loadTaskFile(join(__dirname, 'niceness.yaml')));
      expect(result).toMatchObject({ backend: 'nice', exitCode: 0 });
      return await readFile(join(result.folder, 'attempts', '1', 'stdout'), 'utf8');
    } finally {
      engine.close();
    }
  };

  it("given to wire() in code, runs the example's task at the configured niceness (capstan.yaml: 12)", async () => {
    expect(await stdoutOf(join(__dirname, 'capstan.yaml'), [plugin])).toBe('running at niceness 12\n');
  });

  it('named by plugins: in a config file, by a path relative to that file', async () => {
    // The config file lives beside the plugin, as in a user's project.
    const configFile = join(__dirname, `.plugin-seam-${process.pid}.yaml`);
    await writeFile(configFile, 'plugins: ["./nice-backend.ts"]\nbackend: nice\nnice:\n  niceness: 7\n');
    try {
      expect(await stdoutOf(configFile)).toBe('running at niceness 7\n');
    } finally {
      await rm(configFile, { force: true });
    }
  });

  it('refuses options its schema refuses (a niceness below 0 would raise priority), naming the plugin, before running anything', async () => {
    const configFile = join(dir, 'capstan.yaml');
    await writeFile(configFile, 'backend: nice\nnice:\n  niceness: -5\n');
    await expect(wire({ configFile, plugins: [plugin], flags: { workRoot: join(dir, 'runs') } })).rejects.toMatchObject({ code: ErrorCode.InvalidConfig, path: 'nice.niceness' });
  });

  it('may not be given twice, in code and by plugins:', async () => {
    const configFile = join(__dirname, `.plugin-seam-twice-${process.pid}.yaml`);
    await writeFile(configFile, 'plugins: ["./nice-backend.ts"]\nbackend: nice\n');
    try {
      await expect(wire({ configFile, plugins: [plugin] })).rejects.toMatchObject({ code: ErrorCode.InvalidPlugin, message: expect.stringContaining('its backend is named "nice", a name a plugin passed to wire() already has') });
    } finally {
      await rm(configFile, { force: true });
    }
  });
});
