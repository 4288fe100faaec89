import { execFileSync } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startApi, stopApi, until } from './testing/api-harness';
import { countingTask, create, currentLog, FINAL, restartFolder, type TaskView, view } from './testing/restart-harness';

// The TES server on the batch backend (the Grid Engine cell of tools/engines/gridengine.sh, each executor a qsub job
// running Docker on the node), killed with SIGKILL while its jobs run and started again on the same data folder.
jest.setTimeout(300_000);

const where = restartFolder('capstan-restart-batch-i15rest', ['docker']);

/** The Grid Engine job of an executor, from the batch backend's records (their labels name the executor). */
async function jobOf(records: string, executor: string): Promise<string> {
  for (const name of await readdir(records)) {
    const record = JSON.parse(await readFile(join(records, name), 'utf8')) as { jobId: string; labels: Record<string, string> };
    if (record.labels['io.capstan.task'] === executor) return record.jobId;
  }
  throw new Error(`no record of ${executor} in ${records}`);
}

describe('a kill -9 of a TES server on the batch backend', () => {
  it('takes its running Grid Engine job over: run once, not lost; a job qdel-ed while it was down ends failed', async () => {
    const data = join(where.folder, 'data');
    const records = join(where.folder, 'records');
    const config = join(where.folder, 'batch.yaml');
    await writeFile(config, `batch:\n  profile: gridengine\n  runtime: docker\n  pollIntervalMs: 300\n  graceSeconds: 2\n  jobRecordsDir: ${records}\n`);
    const args = ['--backend', 'batch', '--data-dir', data, '--no-auth', '--config', config, '--allow-root', where.shared];
    const first = await startApi(args);
    where.servers.push(first);

    const long = await create(first, countingTask(where.shared, 'long', { script: 'echo hello0; sleep 12; echo done0' }));
    const killed = await create(first, countingTask(where.shared, 'killed', { script: 'echo before0; sleep 120' }));
    for (const id of [long, killed]) {
      await until(async () => ((await view(first, id)).logs?.[0]?.logs[0]?.stdout?.includes('0\n') === true ? true : undefined), 90_000, `${id} to run`);
    }
    await stopApi(first, 'SIGKILL');
    const killedAt = Date.now();
    // Behind Capstan's back, while no server watches: the scheduler's own kill of one job.
    execFileSync('qdel', [await jobOf(records, `tes-${killed}-e0`)]);

    const second = await startApi(args);
    where.servers.push(second);
    try {
      const [longView, killedView] = (await until(async () => {
        const all = await Promise.all([long, killed].map((id) => view(second, id)));
        return all.every((task) => FINAL.includes(task.state)) ? all : undefined;
      }, 180_000, 'both tasks to end')) as [TaskView, TaskView];
      expect([longView.state, longView.logs]).toEqual(['COMPLETE', expect.anything()]);
      // Taken over, not run again: its first executor ran once; all it printed, before and after the kill, is its log.
      expect(await readFile(join(where.shared, 'long', 'runs'), 'utf8')).toBe('e0\ne1\n');
      const longLog = currentLog(longView);
      expect(longLog?.logs[0]?.stdout).toBe('hello0\ndone0\n');
      expect(Date.parse(longLog?.logs[0]?.start_time ?? '')).toBeLessThan(killedAt);
      expect(longLog?.system_logs?.join('\n')).toMatch(/executor 0 was re-attached after a server restart/);
      // Never a success, and never started again.
      expect(['EXECUTOR_ERROR', 'SYSTEM_ERROR']).toContain(killedView.state);
      expect(currentLog(killedView)?.logs).toHaveLength(1);
      // Every record is gone with its job's end: nothing is left to take over.
      expect(await readdir(records)).toEqual([]);
    } finally {
      await stopApi(second);
    }
  });

  it('finds a task routes: sent to the batch backend, beside a Docker default, and takes its job over', async () => {
    const data = join(where.folder, 'routed-data');
    const records = join(where.folder, 'routed-records');
    const config = join(where.folder, 'routed.yaml');
    const lines = [
      'backend: box',
      'backends:',
      '  box: { type: docker }',
      `  ge: { type: batch, profile: gridengine, runtime: docker, pollIntervalMs: 300, graceSeconds: 2, jobRecordsDir: ${records} }`,
      'routes:',
      '  - { backend: ge, when: { labels: { place: cluster } } }',
      '',
    ];
    await writeFile(config, lines.join('\n'));
    const args = ['--data-dir', data, '--no-auth', '--config', config, '--allow-root', where.shared];
    const first = await startApi(args);
    where.servers.push(first);
    const routed = await create(first, { ...(countingTask(where.shared, 'routed', { script: 'echo hello0; sleep 10; echo done0' }) as object), tags: { place: 'cluster' } });
    await until(async () => ((await view(first, routed)).logs?.[0]?.logs[0]?.stdout === 'hello0\n' ? true : undefined), 90_000, 'the routed task to run');
    // It runs as a Grid Engine job, not in a container of the default backend.
    expect(await jobOf(records, `tes-${routed}-e0`)).toMatch(/^[0-9]+$/);
    await stopApi(first, 'SIGKILL');

    const second = await startApi(args);
    where.servers.push(second);
    try {
      const done = await until(async () => {
        const task = await view(second, routed);
        return FINAL.includes(task.state) ? task : undefined;
      }, 120_000, 'the routed task to end');
      expect([done.state, done.logs]).toEqual(['COMPLETE', expect.anything()]);
      expect(await readFile(join(where.shared, 'routed', 'runs'), 'utf8')).toBe('e0\ne1\n');
      expect(currentLog(done)?.logs[0]?.stdout).toBe('hello0\ndone0\n');
      expect(await readdir(records)).toEqual([]);
    } finally {
      await stopApi(second);
    }
  });
});
