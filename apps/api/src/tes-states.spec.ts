import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApps, cliBundle, execFileAsync, type RunningApi, startApi, stopApi } from './testing/api-harness';

// TES states as the spec means them, seen by Capstan's own TES client: RUNNING only once a task's container runs, so
// a client timeout counts run time, not time spent waiting for CPUs on the server.
jest.setTimeout(300_000);

const IMAGE = 'capstan-test/busybox:1';

let folder: string;
let api: RunningApi | undefined;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'capstan-tes-states-'));
  await buildApps();
  api = await startApi(['--backend', 'docker', '--data-dir', join(folder, 'data'), '--no-auth', '--allow-root', join(folder, 'runs')]);
});

afterAll(async () => {
  if (api !== undefined) await stopApi(api);
  await rm(folder, { recursive: true, force: true });
});

async function taskFile(name: string, seconds: number): Promise<string> {
  const file = join(folder, `${name}.yaml`);
  const lines = [`name: ${name}`, `command: sleep ${seconds}`, 'requirements:', `  container: ${IMAGE}`, '  cpu: 2', 'hints:', '  shell: sh', '  timeout: 6s', ''];
  await writeFile(file, lines.join('\n'));
  return file;
}

describe('a task waiting for CPUs on the server is QUEUED, not RUNNING', () => {
  it('times out no task that waited longer than its timeout but ran shorter, and still times out one that ran too long', async () => {
    // Two CPUs, two per task: the server runs them one at a time, so the last ones wait far beyond 6 s.
    const files = await Promise.all(['s1', 's2', 's3', 's4', 's5'].map((name) => taskFile(name, 2)));
    const long = await taskFile('long', 12);
    const env = { ...process.env, CAPSTAN_TES__URL: api?.url, CAPSTAN_TES__POLL_INTERVAL_MS: '200' };
    const run = await execFileAsync(process.execPath, [cliBundle, 'run', ...files, long, '--backend', 'tes', '--work-root', join(folder, 'runs'), '--json'], { cwd: folder, env }).catch(
      (error: { stdout: string }) => error,
    );
    const { results } = JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as { results: Array<{ taskName: string; state: string; endReason: string }> };
    const byName = Object.fromEntries(results.map((result) => [result.taskName, result]));
    for (const name of ['s1', 's2', 's3', 's4', 's5']) expect(byName[name]).toMatchObject({ state: 'succeeded' });
    expect(byName['long']).toMatchObject({ state: 'failed', endReason: 'timeout' });
  });
});
