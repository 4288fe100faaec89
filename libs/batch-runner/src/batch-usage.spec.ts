import { BackendTestRun, FORGE_USAGE_FOLDERS, fiftyMibUsageProblems, HOLD_50_MIB_AND_EXIT } from '@capstan/backend-test-kit';
import { type BackendEvent } from '@capstan/core-constraints';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchBackend } from './batch-backend';

// The real one-node Grid Engine cell of tools/engines/gridengine.sh running Docker and Podman in the job: the
// container is its daemon's, outside the job, so its usage comes from the cgroup of its own that the job script gives
// it and copies after its end (job-script's container-usage).
jest.setTimeout(120_000);


describe.each(['docker', 'podman'] as const)('BatchBackend usage on Grid Engine with %s in the job', (runtime) => {
  const run = new BackendTestRun(`capstan-batch-${runtime}-usage-`, 'capstan-test/busybox:1');
  const backend = new BatchBackend({ pollIntervalMs: 200, graceSeconds: 2, profile: 'gridengine', runtime });
  beforeAll(() => run.setUp());
  afterAll(() => run.tearDown());

  it('declares final-only usage, and a task that holds 50 MiB and exits at once reports its peak and its CPU', async () => {
    expect(backend.capabilities.usage).toBe('final-only');
    const request = await run.request(backend, { command: HOLD_50_MIB_AND_EXIT }, { usageIntervalMs: 500 });
    const { result } = await run.execute(backend, request);
    expect(result).toMatchObject({ exitCode: 0, endReason: 'exited' });
    expect(fiftyMibUsageProblems(result.usage)).toEqual([]);
  });

  it('hostile: a task writing a forged usage folder wherever it can reach changes no figure', async () => {
    const request = await run.request(backend, { command: `${FORGE_USAGE_FOLDERS} ${HOLD_50_MIB_AND_EXIT}` }, { usageIntervalMs: 500 });
    const { result } = await run.execute(backend, request);
    expect(result).toMatchObject({ exitCode: 0, endReason: 'exited' });
    expect(fiftyMibUsageProblems(result.usage)).toEqual([]);
  });

  it('fault: a node whose runtime makes no cgroup (rootless) gives usage marked partial and a warning, never 0 and never a failure', async () => {
    // The runtime as the job finds it on PATH, but saying it is rootless when asked its cgroup driver.
    const folder = await mkdtemp(join(tmpdir(), `capstan-batch-${runtime}-rootless-`));
    const wrapper = join(folder, runtime);
    const answer = runtime === 'docker' ? 'cgroupfs [name=seccomp name=rootless]' : 'cgroupfs true';
    await writeFile(wrapper, `#!/bin/sh\nif [ "$1" = info ]; then echo '${answer}'; exit 0; fi\nexec ${runtime} "$@"\n`, { mode: 0o755 });
    try {
      const rootless = new BatchBackend({ pollIntervalMs: 200, graceSeconds: 2, profile: 'gridengine', runtime, runtimeBinary: wrapper });
      const request = await run.request(rootless, { command: HOLD_50_MIB_AND_EXIT }, { usageIntervalMs: 500 });
      const events: BackendEvent[] = [];
      const result = await rootless.execute(request, new AbortController().signal, (event) => events.push(event));
      expect(result).toMatchObject({ exitCode: 0, endReason: 'exited' });
      expect(result.usage?.samples).toBe(0);
      expect(result.usage?.peakMemoryBytes).toBeUndefined();
      expect(result.usage?.partial).toMatch(/^no final usage of the container: the job left no /);
      expect(events.some((event) => event.type === 'warning' && /the usage of gridengine job [0-9]+ is partial/.test(event.message))).toBe(true);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
