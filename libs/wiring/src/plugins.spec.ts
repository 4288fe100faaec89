import { BackendRegistry, defineBackendPlugin, ErrorCode, parseTask, registerBackend } from '@capstan/core-constraints';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { container as rootContainer } from 'tsyringe';
import { z } from 'zod';
import { goodPlugin, PLUGIN_HEADER, seenRegistrations, writeModule, writePackage } from './testing/plugin-fixtures';
import { type BackendPlugin } from '@capstan/core-constraints';
import { BUILT_IN_BACKENDS, loadBuiltInPlugins, pluginsFor } from './backends';
import { startTesServer } from './tes-server';
import { wire, wireBackends } from './wire';

jest.setTimeout(30_000);

describe('pluginsFor: what a command registers', () => {
  let builtIn: BackendPlugin[] = [];
  beforeAll(async () => {
    builtIn = await loadBuiltInPlugins();
  });
  const names = (backend: string): string[] => pluginsFor(builtIn, backend).map((plugin) => plugin.name);
  it.each([
    ['auto', ['docker', 'podman', 'apptainer', 'local']],
    ['slurm', ['slurm']],
    // An unknown name may be a host application's own backend; if not, the error lists every known one.
    ['lsf', ['docker', 'podman', 'apptainer', 'local', 'slurm', 'batch', 'tes']],
  ])('%s', (backend, expected) => {
    expect(names(backend)).toEqual(expected);
  });

  // Each built-in register imports its backend's code when it runs; what it imported must register that backend alone.
  it.each(BUILT_IN_BACKENDS)('built-in %s registers its own backend, and nothing else', async (name) => {
    const [plugin] = await loadBuiltInPlugins([name]);
    if (plugin === undefined) throw new Error(`no built-in plugin ${name}`);
    expect(plugin.name).toBe(name);
    const container = rootContainer.createChildContainer();
    await plugin.register(container, plugin.optionsSchema.parse({}));
    expect(BackendRegistry.fromContainer(container).names).toEqual([name]);
  });

  describe('auto builds only the backends it probes, in order', () => {
    const missing = join(tmpdir(), 'lazy-run-no-such.sock');
    it.each([
      ['Docker answers', {}, ['docker']],
      ['Docker does not', { 'docker.socketPath': missing }, ['docker', 'podman']],
      ['neither Docker nor Podman does', { 'docker.socketPath': missing, 'podman.socketPath': missing }, ['docker', 'podman', 'apptainer']],
    ])('%s', async (_, flags, built) => {
      const wiring = await wire({ flags: { backend: 'auto', workRoot: join(tmpdir(), 'lazy-run-auto'), ...flags } });
      wiring.engine.close();
      expect(wiring.registry.names).toEqual(built);
      expect(wiring.backend.name).toBe(built.at(-1));
      expect(wiring.selection[0]).toMatch(built.length === 1 ? /^docker: available, chosen/ : /^docker: passed over \(.*lazy-run-no-such\.sock/);
    });
  });

  it('fault: a built-in register given options its schema would refuse fails with the config error, registering nothing', async () => {
    const [docker] = await loadBuiltInPlugins(['docker']);
    const container = rootContainer.createChildContainer();
    await expect(docker?.register(container, { socketPath: 'relative/docker.sock' })).rejects.toMatchObject({ code: ErrorCode.InvalidConfig, path: "docker.socketPath" });
    expect(BackendRegistry.fromContainer(container).names).toEqual([]);
  });
});

describe('backend plugins named in the configuration', () => {
  let dir: string;
  let configFile: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'capstan-plugin-seam-'));
    configFile = join(dir, 'conf', 'capstan.yaml');
    seenRegistrations().length = 0;
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const configure = (text: string): Promise<void> => writeModule(configFile, `workRoot: ${join(dir, 'runs')}\n${text}`);

  it('loads a path relative to the config file, validates its section with its schema, and runs a task on it', async () => {
    await writeModule(join(dir, 'conf', 'plugins', 'mine.js'), goodPlugin('mine'));
    await configure('plugins: [./plugins/mine.js]\nbackend: mine\nmine:\n  marker: blue\n');
    const wiring = await wire({ configFile });
    expect(wiring.backend.name).toBe('mine');
    expect(seenRegistrations()).toEqual([{ name: 'mine', options: { marker: 'blue', slots: 1 } }]);
    // Only the chosen backend is registered: a command imports and builds nothing it does not run.
    expect(wiring.registry.names).toEqual(['mine']);
    const result = await wiring.engine.run(parseTask({ name: 'plugin-seam', command: 'echo ran-on-plugin' }));
    wiring.engine.close();
    expect(result).toMatchObject({ backend: 'mine', exitCode: 0 });
    expect(await readFile(join(result.folder, 'attempts', '1', 'stdout'), 'utf8')).toBe('ran-on-plugin\n');
  });

  it('finds a package the way a module beside the config file would, and lists it with every backend for doctor', async () => {
    await writePackage(join(dir, 'conf'), '@acme/capstan-mine', goodPlugin('acme'));
    await configure('plugins: ["@acme/capstan-mine"]\n');
    const { registry } = await wireBackends({ configFile });
    expect(registry.names).toEqual(expect.arrayContaining(['docker', 'podman', 'apptainer', 'local', 'slurm', 'batch', 'tes', 'acme']));
    expect(seenRegistrations()).toEqual([{ name: 'acme', options: { marker: 'plain', slots: 1 } }]);
  });

  it('registers only the backend named, not the other built-ins nor a listed plugin', async () => {
    await writeModule(join(dir, 'conf', 'mine.js'), goodPlugin('mine'));
    await configure('plugins: [./mine.js]\nbackend: auto\n');
    const { registry } = await wire({ configFile, flags: { backend: 'local' } }).then((w) => (w.engine.close(), w));
    expect(registry.names).toEqual(['local']);
    expect(seenRegistrations()).toEqual([]);
  });

  it('the TES server loads them too, and holds a host-running plugin backend to its rule against host execution', async () => {
    await writeModule(join(dir, 'conf', 'mine.js'), goodPlugin('mine'));
    await configure('plugins: [./mine.js]\nbackend: mine\n');
    const quiet = { write: (): boolean => true };
    const flags = { 'api.dataDir': join(dir, 'data'), 'api.port': 0, 'api.auth.disabled': true };
    await expect(startTesServer({ configFile, flags, cwd: dir, logStream: quiet })).rejects.toMatchObject({ code: ErrorCode.InvalidConfig, path: 'backend', message: expect.stringContaining('the mine backend runs every client') });
    const server = await startTesServer({ configFile, flags: { ...flags, 'api.runClientCommandsOnHost': true }, cwd: dir, logStream: quiet });
    try {
      expect(server.backend).toBe('mine');
    } finally {
      await server.close();
    }
  });

  describe('a broken plugin is a config.invalid_plugin error naming the plugin, the problem and the fix', () => {
    const failure = async (text: string): Promise<{ code: string; message: string; path: string | null }> => {
      await configure(text);
      return (await wire({ configFile }).then(
        () => {
          throw new Error('wired');
        },
        (error: unknown) => error,
      )) as { code: string; message: string; path: string | null };
    };

    it.each([
      ['a missing file', 'plugins: [./nowhere.js]\n', /plugin "\.\/nowhere\.js": there is no file .*nowhere\.js; fix the path in `plugins:`/],
      ['a package not installed', 'plugins: ["@acme/not-installed"]\n', /plugin "@acme\/not-installed": the package cannot be found from .*; install it there \(npm install @acme\/not-installed\)/],
    ])('%s', async (_label, text, message) => {
      expect(await failure(text)).toMatchObject({ code: ErrorCode.InvalidPlugin, path: 'plugins', message: expect.stringMatching(message) });
    });

    it.each([
      ['throws at import', `throw new Error('boom at import');`, /importing .*bad\.js failed: boom at import; fix the plugin, or remove it/],
      ['has an export getter that throws', `Object.defineProperty(exports, 'plugin', { enumerable: true, get() { throw new Error('trap'); } });`, /reading its exports failed: trap; fix the plugin/],
      ['exports nothing usable', `exports.other = 1;`, /the module exports no backend plugin; export one as `plugin`/],
      ['exports a name that is no backend name', `${PLUGIN_HEADER} exports.plugin = { name: '../Docker', optionsSchema: z.object({}), register() {} };`, /is not a backend name/],
      ['exports a schema that is no schema', `exports.plugin = { name: 'bad', optionsSchema: {}, register() {} };`, /optionsSchema is not a zod schema/],
      ['takes the name of a built-in backend', goodPlugin('docker'), /its backend is named "docker", a name Capstan uses itself; give the plugin's backend a name of its own/],
      ['takes the name of an engine setting', goodPlugin('limits'), /its backend is named "limits", a name Capstan uses itself/],
      ['throws in register', `${PLUGIN_HEADER} exports.plugin = { name: 'bad', optionsSchema: z.object({}), register() { throw new TypeError('boom in register'); } };`, /its register\(\) failed: boom in register; fix the plugin/],
      ['rejects in an async register', `${PLUGIN_HEADER} exports.plugin = { name: 'bad', optionsSchema: z.object({}), async register() { throw new Error('late boom'); } };`, /its register\(\) failed: late boom/],
      ['registers no backend of its name (one named docker instead)', goodPlugin('bad', 'docker'), /its register\(\) registered no backend named "bad" \(registered: docker\)/],
    ])('a plugin that %s', async (_label, source, message) => {
      await writeModule(join(dir, 'conf', 'bad.js'), source);
      expect(await failure('plugins: [./bad.js]\nbackend: bad\n')).toMatchObject({ code: ErrorCode.InvalidPlugin, message: expect.stringMatching(message) });
    });

    it('two plugins with one name: the second is refused, naming the first', async () => {
      await writeModule(join(dir, 'conf', 'a.js'), goodPlugin('twin'));
      await writeModule(join(dir, 'conf', 'b.js'), goodPlugin('twin'));
      expect(await failure('plugins: [./a.js, ./b.js]\n')).toMatchObject({ code: ErrorCode.InvalidPlugin, message: expect.stringContaining('plugin "./b.js": its backend is named "twin", a name plugin "./a.js" already has') });
    });

    it.each([
      ['a value its schema refuses', 'mine:\n  marker: "$(reboot)"\n', 'mine.marker'],
      ['a key its schema does not know', 'mine:\n  token: x\n', 'mine'],
    ])('options with %s: config.invalid at the section, naming the plugin, and register never runs', async (_label, section, path) => {
      await writeModule(join(dir, 'conf', 'mine.js'), goodPlugin('mine'));
      const error = await failure(`plugins: [./mine.js]\nbackend: mine\n${section}`);
      expect(error).toMatchObject({ code: ErrorCode.InvalidConfig, path, message: expect.stringContaining('(the options of plugin "./mine.js"') });
      expect(seenRegistrations()).toEqual([]);
    });

    it('a plugin whose schema throws instead of checking: its fault, at its section, and register never runs', async () => {
      await writeModule(join(dir, 'conf', 'bad.js'), `${PLUGIN_HEADER} exports.plugin = { name: 'bad', optionsSchema: z.unknown().transform(() => { throw new RangeError('schema trap'); }), register() { seen.push('registered'); } };`);
      expect(await failure('plugins: [./bad.js]\nbackend: bad\n')).toMatchObject({
        code: ErrorCode.InvalidPlugin,
        path: 'bad',
        message: expect.stringMatching(/the schema of section "bad" failed instead of checking it: schema trap .*plugin "\.\/bad\.js"; fix the plugin/),
      });
      expect(seenRegistrations()).toEqual([]);
    });

    it('a plugin that takes the server\'s api section is refused when the server reads it', async () => {
      await writeModule(join(dir, 'conf', 'api.js'), goodPlugin('api'));
      await configure('plugins: [./api.js]\n');
      await expect(wireBackends({ configFile, extraSections: { api: z.object({}) } })).rejects.toMatchObject({ code: ErrorCode.InvalidPlugin, message: expect.stringContaining('a name Capstan uses itself') });
    });
  });

  describe('plugins passed to wire() in code', () => {
    const inMemory = defineBackendPlugin({
      name: 'coded',
      optionsSchema: z.strictObject({ label: z.string().default('none') }),
      // Typed from the schema: `options.label` is a string here, with no cast.
      register: async (container, options) => {
        seenRegistrations().push({ name: 'coded', options: options.label });
        // Imported, not a static import: wiring's built-in table imports local-runner lazily.
        const { LocalBackend } = await import('@capstan/local-runner');
        registerBackend(container, () => Object.assign(new LocalBackend(), { name: 'coded' }));
      },
    });

    it('are selected and configured like any other', async () => {
      await configure('backend: coded\ncoded:\n  label: here\n');
      const wiring = await wire({ configFile, plugins: [inMemory] });
      wiring.engine.close();
      expect(wiring.backend.name).toBe('coded');
      expect(seenRegistrations()).toEqual([{ name: 'coded', options: 'here' }]);
    });

    it('may not take a built-in name', async () => {
      await configure('backend: local\n');
      await expect(wire({ configFile, plugins: [{ ...inMemory, name: 'local' }] })).rejects.toMatchObject({ code: ErrorCode.DuplicateBackend, message: expect.stringContaining('"local" takes a name already in use') });
    });
  });
});
