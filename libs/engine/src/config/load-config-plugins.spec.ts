import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { loadConfig } from './load-config';

const lsf = z.strictObject({ queue: z.string().default('normal'), slots: z.number().int().positive().default(1) });

describe('loadConfig with plugins:', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'capstan-config-plugin-seam-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("asks for the listed plugins' sections with the config file's folder, and validates them, the environment included", async () => {
    await mkdir(join(dir, 'conf'));
    await writeFile(join(dir, 'conf', 'capstan.yaml'), 'plugins: ["./lsf.js", "@acme/capstan-lsf"]\nbackend: lsf\nlsf:\n  queue: long\n');
    const asked: unknown[] = [];
    const config = await loadConfig({
      sections: {},
      file: join(dir, 'conf', 'capstan.yaml'),
      cwd: dir,
      env: { HOME: dir, CAPSTAN_LSF__SLOTS: '4' },
      pluginSections: (plugins, baseDir) => {
        asked.push({ plugins, baseDir });
        return Promise.resolve({ lsf });
      },
    });
    expect(asked).toEqual([{ plugins: ['./lsf.js', '@acme/capstan-lsf'], baseDir: join(dir, 'conf') }]);
    expect(config.engine.plugins).toEqual(['./lsf.js', '@acme/capstan-lsf']);
    expect(config.backends['lsf']).toEqual({ queue: 'long', slots: 4 });
    expect(config.warnings).toEqual([]);
  });

  it('takes the list from a flag over the file, and resolves from the working folder when there is no file', async () => {
    const asked: unknown[] = [];
    await loadConfig({ sections: {}, cwd: dir, env: { HOME: dir }, flags: { plugins: ['./mine.js'] }, pluginSections: (plugins, baseDir) => (asked.push({ plugins, baseDir }), Promise.resolve({})) });
    expect(asked).toEqual([{ plugins: ['./mine.js'], baseDir: dir }]);
  });

  it("refuses a plugin's bad options at the plugin's section, and never asks when nothing is listed", async () => {
    await writeFile(join(dir, 'capstan.yaml'), 'plugins: [./lsf.js]\nlsf:\n  slots: -2\n');
    const error = await loadConfig({ sections: {}, cwd: dir, env: { HOME: dir }, pluginSections: () => Promise.resolve({ lsf }) }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'config.invalid', path: 'lsf.slots' });
    await writeFile(join(dir, 'capstan.yaml'), 'backend: local\n');
    const never = jest.fn();
    await loadConfig({ sections: {}, cwd: dir, env: { HOME: dir }, pluginSections: never });
    expect(never).not.toHaveBeenCalled();
  });

  it.each([
    ['not a list', 'plugins: ./lsf.js\n'],
    ['an empty name', 'plugins: [""]\n'],
    ['a mapping inside', 'plugins: [{ a: 1 }]\n'],
  ])('refuses a plugins: that is %s, naming the file and the key, before importing anything', async (_label, text) => {
    await writeFile(join(dir, 'capstan.yaml'), text);
    const never = jest.fn();
    const error = await loadConfig({ sections: {}, cwd: dir, env: { HOME: dir }, pluginSections: never }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'config.invalid', message: expect.stringContaining(join(dir, 'capstan.yaml')) });
    expect((error as { path: string }).path).toMatch(/^plugins/);
    expect(never).not.toHaveBeenCalled();
  });

  it('refuses CAPSTAN_PLUGINS (a variable holds no list) instead of loading or ignoring it, naming the variable', async () => {
    const never = jest.fn();
    const error = await loadConfig({ sections: {}, cwd: dir, env: { HOME: dir, CAPSTAN_PLUGINS: './evil.js' }, pluginSections: never }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'config.invalid', path: 'plugins', message: expect.stringContaining('environment variable CAPSTAN_PLUGINS') });
    expect(never).not.toHaveBeenCalled();
  });

  it('without a loader, a listed plugin\'s section is an unknown key (nothing is imported behind the caller\'s back)', async () => {
    await writeFile(join(dir, 'capstan.yaml'), 'plugins: [./lsf.js]\nlsf:\n  queue: long\n');
    await expect(loadConfig({ sections: {}, cwd: dir, env: { HOME: dir } })).rejects.toMatchObject({ code: 'config.invalid', message: expect.stringContaining('unknown key "lsf"') });
  });
});
