import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTesServer } from './tes-server';

jest.setTimeout(30_000);

describe('the TES server and CAPSTAN_ variables that are no setting', () => {
  let dir: string;
  const saved = { ...process.env };
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'capstan-cli-config-serve-'));
  });
  afterEach(async () => {
    process.env = { ...saved };
    await rm(dir, { recursive: true, force: true });
  });

  it('starts anyway and logs one config-warning event per unknown variable, none for what Capstan sets in tasks', async () => {
    process.env['CAPSTAN_HOME'] = '/x';
    process.env['CAPSTAN_API__PROT'] = '8000';
    process.env['CAPSTAN_TASK_ROOT'] = '/tmp/outer-task';
    const lines: string[] = [];
    const server = await startTesServer({
      flags: { 'api.dataDir': join(dir, 'data'), 'api.port': 0, 'api.auth.disabled': true, backend: 'local', 'api.runClientCommandsOnHost': true },
      cwd: dir,
      logStream: { write: (line: string) => lines.push(line) },
    });
    await server.close();
    const warnings = lines.map((line) => JSON.parse(line) as { event: string; message?: string }).filter((event) => event.event === 'config-warning');
    expect(warnings.map((event) => event.message)).toEqual([
      expect.stringMatching(/^environment variable CAPSTAN_HOME is not a Capstan setting and is ignored/),
      expect.stringMatching(/^environment variable CAPSTAN_API__PROT is not a Capstan setting and is ignored; did you mean CAPSTAN_API__PORT\?$/),
    ]);
  });
});
