// Plugins named in the configuration, through the built CLI as a user runs it: an ES module outside the workspace,
// loaded by `plugins:` relative to the config file, run by `capstan run` and listed by `capstan doctor`.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildCli, capstan, folderPerTest } from './testing/cli-harness';

jest.setTimeout(60_000);

// An installed plugin would import @capstan/core-constraints for registerBackend; the token it registers under is
// this shared symbol, which is all a module outside the workspace can reach here.
const ECHO_PLUGIN = `
import { z } from ${JSON.stringify(pathToFileURL(require.resolve('zod')).href)};
import { writeFile } from 'node:fs/promises';
const amounts = { cpu: 1, memory: 2 ** 34, gpu: 0 };
class EchoBackend {
  name = 'echoer';
  capabilities = { containerKinds: ['any'], runsContainers: false, enforcesMemoryLimit: false, enforcesCpuLimit: false, gpus: false, readOnlyInputs: false, networkIsolation: false, runsAsInvokingUser: true, enforcesDiskSize: false, schedulesItself: false };
  constructor(options) { this.options = options; }
  async probe() { return { available: true, version: 'echo 1', problems: [], details: {} }; }
  async capacity() { return { total: amounts, perTaskMax: amounts, fpga: 0, containerKinds: ['any'] }; }
  async execute(request) {
    const startedAt = new Date();
    await writeFile(request.paths.stdoutFile, this.options.greeting + ' from the echo plugin\\n');
    await writeFile(request.paths.stderrFile, '');
    return { exitCode: 0, endReason: 'exited', startedAt, endedAt: new Date() };
  }
}
export const plugin = {
  name: 'echoer',
  optionsSchema: z.strictObject({ greeting: z.string().regex(/^[a-z]+$/).default('hello') }),
  register(container, options) { container.register(Symbol.for('capstan.Backend'), { useFactory: () => new EchoBackend(options) }); },
};
`;

describe('capstan with plugins: in its configuration (the built CLI)', () => {
  beforeAll(buildCli, 60_000);
  const folder = folderPerTest('capstan-plugin-seam-cli-');

  const setUp = async (config: string, plugin = ECHO_PLUGIN): Promise<{ dir: string; configFile: string }> => {
    const dir = folder();
    await mkdir(join(dir, 'conf'));
    await writeFile(join(dir, 'conf', 'echo-plugin.mjs'), plugin);
    await writeFile(join(dir, 'conf', 'capstan.yaml'), `workRoot: ${join(dir, 'runs')}\n${config}`);
    return { dir, configFile: join(dir, 'conf', 'capstan.yaml') };
  };

  it('runs a task on the plugin backend with its configured options, and doctor lists it', async () => {
    const { dir, configFile } = await setUp('plugins: ["./echo-plugin.mjs"]\nbackend: echoer\nechoer:\n  greeting: bonjour\n');
    const run = await capstan(['run', '--config', configFile, '--', 'true'], { cwd: dir });
    expect(run).toMatchObject({ code: 0 });
    const task = (await readdir(join(dir, 'runs', 'latest'))).find((name) => name.startsWith('true-'));
    expect(await readFile(join(dir, 'runs', 'latest', task as string, 'attempts', '1', 'stdout'), 'utf8')).toBe('bonjour from the echo plugin\n');
    const doctor = await capstan(['doctor', '--config', configFile], { cwd: dir });
    expect(doctor.stdout).toContain('echoer: available (echo 1)');
  });

  it.each([
    ['a missing plugin', 'plugins: ["./nope.mjs"]\n', ECHO_PLUGIN, 'plugin "./nope.mjs": there is no file'],
    ['a plugin that throws at import', 'plugins: ["./echo-plugin.mjs"]\n', 'throw new Error("boom at import");\n', 'plugin "./echo-plugin.mjs": importing'],
    ['options its schema refuses', 'plugins: ["./echo-plugin.mjs"]\nbackend: echoer\nechoer:\n  greeting: "$(id)"\n', ECHO_PLUGIN, '(the options of plugin "./echo-plugin.mjs"'],
    ['a plugin with a built-in name', 'plugins: ["./echo-plugin.mjs"]\n', ECHO_PLUGIN.replace("name: 'echoer'", "name: 'docker'"), 'its backend is named "docker", a name Capstan uses itself'],
  ])('%s: exit 78, the plugin and the problem on stderr, nothing run', async (_label, config, plugin, message) => {
    const { dir, configFile } = await setUp(config, plugin);
    const run = await capstan(['run', '--config', configFile, '--', 'true'], { cwd: dir });
    expect(run.code).toBe(78);
    expect(run.stderr).toContain(message);
    await expect(readdir(join(dir, 'runs'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
