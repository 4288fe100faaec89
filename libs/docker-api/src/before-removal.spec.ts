import { type BackendEvent, type ExecutionResult } from '@capstan/core-constraints';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAttemptContainer } from './attempt-container';
import { DockerClient } from './docker-client';
import { NO_LOG_COPY } from './log-copy';

// On the real daemon: the caller's hook sees the end while the container still exists, so that a crash before the
// hook's record leaves the container (the result's last witness) to a later process.
describe('beforeRemoval (real daemon)', () => {
  jest.setTimeout(60_000);
  const client = new DockerClient({}, {});
  let folder: string;
  const mark = { 't10-logs-removal': `${process.pid}-${Date.now()}` };

  beforeEach(async () => (folder = await mkdtemp(join(tmpdir(), 't10-logs-removal-'))));
  afterEach(() => rm(folder, { recursive: true, force: true }));

  const run = (script: string, beforeRemoval: (result: ExecutionResult) => Promise<void>, events: BackendEvent[] = []) =>
    runAttemptContainer({
      client,
      spec: { name: `t10-logs-removal-${process.pid}-${Date.now()}`, Image: 'capstan-test/busybox:1', Cmd: ['sh', '-c', script], Labels: mark, AttachStdout: true, AttachStderr: true, HostConfig: { LogConfig: NO_LOG_COPY } },
      paths: { root: folder, commandFile: join(folder, 'command'), workDir: folder, stdoutFile: join(folder, 'stdout'), stderrFile: join(folder, 'stderr') },
      graceSeconds: 1,
      keepFailedContainers: false,
      signal: new AbortController().signal,
      emit: (event) => events.push(event),
      beforeRemoval,
    });

  it('is awaited with the exit status while the container still exists, and the container is removed after it', async () => {
    let id: string | undefined;
    let seen: { exitCode: number | null; stillThere: boolean } | undefined;
    const result = await run('echo x; exit 9', async (end) => {
      id = (await client.listContainers(mark))[0]?.id;
      await new Promise((wait) => setTimeout(wait, 300)); // a slow store: the removal waits for it
      seen = { exitCode: end.exitCode, stillThere: id !== undefined && (await client.inspectContainer(id).then(() => true, () => false)) };
    });
    expect(result).toMatchObject({ exitCode: 9, endReason: 'exited' });
    expect(seen).toEqual({ exitCode: 9, stillThere: true });
    await expect(client.inspectContainer(id as string)).rejects.toThrow();
  });

  it('removes the container all the same, with a warning, when the hook fails (fault)', async () => {
    const events: BackendEvent[] = [];
    const result = await run('exit 0', () => Promise.reject(new Error('the store is read-only')), events);
    expect(result).toMatchObject({ exitCode: 0, endReason: 'exited' });
    expect(events).toContainEqual({ type: 'warning', message: 'could not record the end before removing the container: the store is read-only' });
    expect(await client.listContainers(mark)).toEqual([]);
  });
});
