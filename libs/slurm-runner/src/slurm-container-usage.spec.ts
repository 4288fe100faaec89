import { BackendTestRun, FORGE_USAGE_FOLDERS, fiftyMibUsageProblems, HOLD_50_MIB_AND_EXIT } from '@capstan/backend-test-kit';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type SlurmBackend } from './slurm-backend';
import { testBackend } from './testing/slurm-test-kit';

// Real Slurm (tools/engines/slurm.sh) running Docker and Podman in the job: the container is its daemon's, outside the
// job's cgroup, so its usage comes from the cgroup of its own that the job script gives it and reads after its end.
jest.setTimeout(120_000);


describe.each(['docker', 'podman'] as const)('SlurmBackend usage with %s in the job', (runtime) => {
  const run = new BackendTestRun(`capstan-slurm-${runtime}-usage-`, 'capstan-test/busybox:1');
  let backend: SlurmBackend;

  beforeAll(async () => {
    backend = testBackend({ runtime }, process.env);
    await run.setUp();
  });
  afterAll(async () => {
    backend.close();
    await run.tearDown();
  });

  it('a task that holds 50 MiB and exits at once reports its peak, its CPU and no partial; its attempt cgroup is gone', async () => {
    const request = await run.request(backend, { command: HOLD_50_MIB_AND_EXIT }, { usageIntervalMs: 500 });
    const { result } = await run.execute(backend, request);
    expect(result).toMatchObject({ exitCode: 0, endReason: 'exited' });
    expect(fiftyMibUsageProblems(result.usage)).toEqual([]);
    const left = await readdir(join('/sys/fs/cgroup/memory/capstan-attempts')).catch(() => [] as string[]);
    expect(left.filter((name) => name === request.attemptName)).toEqual([]);
  });

  it('hostile: a task writing a forged usage folder wherever it can reach changes no figure', async () => {
    const request = await run.request(backend, { command: `${FORGE_USAGE_FOLDERS} ${HOLD_50_MIB_AND_EXIT}` }, { usageIntervalMs: 500 });
    const { result } = await run.execute(backend, request);
    expect(result).toMatchObject({ exitCode: 0, endReason: 'exited' });
    expect(fiftyMibUsageProblems(result.usage)).toEqual([]);
  });
});
