import { azureObjectStore } from '@capstan/azure-store';
import { localAzurite } from '@capstan/backend-test-kit';
import { type ObjectStore } from '@capstan/core-constraints';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildCli, capstan, type CliResult, taskFolder } from './testing/cli-harness';
import { IMAGE, loggedStdout, putText, readText, resultOf } from './testing/object-store-cli';

const server = localAzurite();
const section = { account: server.account, accountKey: server.key, endpoint: server.endpoint, retries: 0 };
const store = azureObjectStore(section, 'transfer.azure') as ObjectStore;
const PREFIX = `az://${server.account}/${server.container}/cli-azure-${process.pid}-${Date.now()}`;

/** The built CLI with a config of the test's own whose `transfer.azure` section reaches the Azurite of tools/engines/azurite.sh. */
async function run(dir: string, args: readonly string[], json = true): Promise<CliResult> {
  const file = join(dir, 'capstan.json');
  await writeFile(file, JSON.stringify({ backend: 'docker', workRoot: join(dir, 'runs'), transfer: { azure: section } }));
  return capstan(['run', ...(json ? ['--json'] : []), '--config', file, '--image', IMAGE, '--shell', 'sh', '--memory', '32 MiB', ...args], { cwd: dir });
}

describe('capstan run with az:// inputs and --output-dir (the built CLI, real Azurite and Docker)', () => {
  jest.setTimeout(120_000);
  const folder = taskFolder('capstan-cli-azure-');
  beforeAll(buildCli, 90_000);

  it('publishes outputs to a blob prefix, then reads one blob and the whole prefix back as inputs', async () => {
    const published = await run(folder.dir(), ['--output-dir', `${PREFIX}/out`, '--output', '*.txt', '--name', 'pub', '--', 'sh', '-c', 'printf alpha > a.txt && printf beta > b.txt']);
    expect(published.stderr).toBe('');
    expect(published.code).toBe(0);
    expect(resultOf(published.stdout)?.published.map((file) => [file.path, file.size]).sort()).toEqual([
      [`${PREFIX}/out/pub/a.txt`, 5],
      [`${PREFIX}/out/pub/b.txt`, 4],
    ]);
    expect(await readText(store, `${PREFIX}/out/pub/a.txt`)).toBe('alpha');

    await putText(store, `${PREFIX}/in/dir/c.txt`, 'gamma');
    const read = await run(folder.dir(), ['--input', `${PREFIX}/out/pub/a.txt:/data/a.txt`, '--input', `${PREFIX}/in/:/data/in`, '--', 'sh', '-c', 'cat /data/a.txt /data/in/dir/c.txt']);
    expect(read.code).toBe(0);
    expect(loggedStdout(read.stdout)).toBe('alphagamma');
  });

  it('hostile: a key written into an az:// URL is refused before anything runs and never shown', async () => {
    const secret = 'cli-azure-url-secret-6789';
    const result = await run(folder.dir(), ['--input', `az://${server.account}:${secret}@${server.container}/x.txt:/data/x`, '--', 'true']);
    expect(result.code).toBe(65);
    expect(resultOf(result.stdout)?.error).toMatchObject({ code: 'transfer.refused' });
    expect(result.stdout).not.toContain('"attempt-started"');
    expect(`${result.stdout}${result.stderr}`).not.toContain(secret);
  });

  it('fault: a blob that is not there fails the task typed, naming the input, before any attempt', async () => {
    const result = await run(folder.dir(), ['--input', `${PREFIX}/missing.txt:/data/m`, '--', 'true']);
    expect(result.code).toBe(69);
    expect(resultOf(result.stdout)?.error).toMatchObject({ code: 'transfer.failed', path: 'inputs.0.source' });
    expect(result.stdout).not.toContain('"attempt-started"');
    // The summary a person reads names the field once (the transfer's message already starts with it).
    const human = await run(folder.dir(), ['--input', `${PREFIX}/missing.txt:/data/m`, '--', 'true'], false);
    expect(human.stdout).toMatch(/^ {2}true: inputs\.0\.source: az:\/\/.*missing\.txt.*no such blob/m);
  });
});
