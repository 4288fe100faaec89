import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApps, cliBundle, execFileAsync, type RunningApi, startApi, stopApi } from './testing/api-harness';

// Capstan as a TES client of its own server on Docker: the attempt's usage comes from the server's task log metadata.
jest.setTimeout(180_000);

const IMAGE = 'capstan-test/busybox:1';
const TOKEN = 'tes-usage-token-5d1c0e7a9b3f4268';
const MIB = 1024 * 1024;

let folder: string;
let api: RunningApi | undefined;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'capstan-tes-usage-'));
  await buildApps();
  api = await startApi(['--backend', 'docker', '--data-dir', join(folder, 'data'), '--token', TOKEN, '--allow-root', join(folder, 'client')], { token: TOKEN, env: { ...process.env, CAPSTAN_USAGE_INTERVAL_SECONDS: '0.5' } });
});

afterAll(async () => {
  if (api !== undefined) await stopApi(api);
  await rm(folder, { recursive: true, force: true });
});

function client(): NodeJS.ProcessEnv {
  return { ...process.env, CAPSTAN_TES__URL: api?.url, CAPSTAN_TES__AUTH__TYPE: 'bearer', CAPSTAN_TES__AUTH__TOKEN: TOKEN, CAPSTAN_TES__POLL_INTERVAL_MS: '200' };
}

describe('resource usage of the tes backend against `capstan serve` on Docker', () => {
  it("reads the server's usage metadata into the attempt's usage (a 200 MiB task: 200 to 260 MiB), and doctor says final-only", async () => {
    const work = join(folder, 'client');
    await mkdir(work, { recursive: true });
    const taskFile = join(work, 'task.yaml');
    await writeFile(taskFile, ['name: via-tes-usage', 'command: dd if=/dev/zero bs=200M count=1 2>/dev/null | sleep 3', 'requirements:', `  container: ${IMAGE}`, '  memory: 1 GiB', 'hints:', '  shell: sh', ''].join('\n'));
    const { stdout } = await execFileAsync(process.execPath, [cliBundle, 'run', taskFile, '--backend', 'tes', '--work-root', join(work, 'runs'), '--json'], { cwd: work, env: client() }).catch(
      (error: { stdout: string; stderr: string }) => {
        throw new Error(`capstan run failed:\n${error.stdout}\n${error.stderr}`);
      },
    );
    const summary = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { results: Array<{ state: string; attempts: Array<{ usage?: { peakMemoryBytes?: number; samples: number } }> }> };
    expect(summary.results[0]?.state).toBe('succeeded');
    const usage = summary.results[0]?.attempts[0]?.usage;
    expect(usage?.peakMemoryBytes).toBeGreaterThanOrEqual(200 * MIB);
    expect(usage?.peakMemoryBytes).toBeLessThanOrEqual(260 * MIB);
    expect(usage?.samples).toBeGreaterThan(0);

    const doctor = await execFileAsync(process.execPath, [cliBundle, 'doctor', '--json'], { cwd: work, env: { ...client(), CAPSTAN_BACKEND: 'tes' } }).catch((error: { stdout: string }) => ({ stdout: error.stdout }));
    const tes = (JSON.parse(doctor.stdout) as { backends: Array<{ name: string; usage: string }> }).backends.find((one) => one.name === 'tes');
    expect(tes?.usage).toBe('final-only');
  });
});
