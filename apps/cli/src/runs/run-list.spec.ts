import { type ProcessTable } from '@capstan/cleanup';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { listRuns } from './run-list';
import { type RunRecord } from './run-record';

// Real folders and files; only the process table is a fake, to say which pids run and since when.
const STARTED = '2026-12-07T03:00:00.000Z';
const alive = (pid: number, since: string): ProcessTable => ({ startedAt: async (asked) => (asked === pid ? new Date(since) : undefined) });
const none: ProcessTable = { startedAt: async () => undefined };

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'runs-logs-run-list-'));
});
afterEach(() => rm(root, { recursive: true, force: true }));

function record(runId: string, overrides: Partial<RunRecord> = {}): RunRecord {
  const task = { name: 't', uniqueName: 't-1', backend: 'local', state: 'running' as const, attempt: 1, submittedAt: STARTED, attemptStartedAt: STARTED, endedAt: null, exitCode: null, endReason: null };
  return { version: 1, runId, startedAt: STARTED, endedAt: null, host: hostname(), pid: 4242, processStartedAt: STARTED, taskCount: 1, tasks: [task], ...overrides };
}

async function writeRun(runId: string, body: unknown, stamp = '20261207T030000Z'): Promise<string> {
  const folder = join(root, `${stamp}-${runId}`);
  await mkdir(folder, { recursive: true });
  await writeFile(join(folder, 'run.json'), typeof body === 'string' ? body : JSON.stringify(body));
  return folder;
}

describe('listRuns', () => {
  it('a run whose process still runs is running; the same record with its pid gone is interrupted, never running or succeeded', async () => {
    await writeRun('aaaaaaaaaaaa', record('aaaaaaaaaaaa'));
    expect((await listRuns(root, alive(4242, STARTED)))[0]).toMatchObject({ status: 'running', states: { running: 1, unknown: 0 } });
    expect((await listRuns(root, none))[0]).toMatchObject({ status: 'interrupted', states: { running: 0, unknown: 1, succeeded: 0 }, durationMs: null });
  });

  it('hostile: a pid another process reuses (it started later than the run\'s) does not pass for the run', async () => {
    await writeRun('aaaaaaaaaaaa', record('aaaaaaaaaaaa'));
    expect((await listRuns(root, alive(4242, '2026-12-07T05:00:00.000Z')))[0]?.status).toBe('interrupted');
  });

  it('an ended run is succeeded only when every task it was given succeeded; newest first', async () => {
    const done = { ...record('bbbbbbbbbbbb').tasks[0], state: 'succeeded', endedAt: STARTED, exitCode: 0, endReason: 'exited' };
    await writeRun('bbbbbbbbbbbb', record('bbbbbbbbbbbb', { startedAt: '2026-12-07T04:00:00.000Z', endedAt: '2026-12-07T04:00:02.500Z', tasks: [done as RunRecord['tasks'][number]] }), '20261207T040000Z');
    await writeRun('cccccccccccc', record('cccccccccccc', { endedAt: STARTED, taskCount: 2, tasks: [done as RunRecord['tasks'][number]] }));
    const runs = await listRuns(root, none);
    expect(runs.map((run) => [run.runId, run.status])).toEqual([
      ['bbbbbbbbbbbb', 'succeeded'],
      ['cccccccccccc', 'failed'],
    ]);
    expect(runs[0]?.durationMs).toBe(2500);
    expect(runs[1]?.states).toEqual({ succeeded: 1, failed: 0, running: 0, unknown: 1 });
  });

  it('tolerates fields it does not know (a later Capstan adds resource usage)', async () => {
    const later = record('dddddddddddd', { endedAt: STARTED, usage: { peakMemory: 1 } } as Partial<RunRecord>);
    await writeRun('dddddddddddd', { ...later, tasks: later.tasks.map((task) => ({ ...task, state: 'succeeded', usage: { cpuSeconds: 2 } })) });
    expect((await listRuns(root, none))[0]?.status).toBe('succeeded');
  });

  it('fault: a run.json cut short, of the wrong shape or naming another run is unknown with a note; a folder without one counts its task folders', async () => {
    await writeRun('eeeeeeeeeeee', '{"version":1,"runId":"eeee');
    await writeRun('ffffffffffff', { ...record('ffffffffffff'), pid: -1 });
    await writeRun('gggggggggggg', record('hhhhhhhhhhhh'));
    await mkdir(join(root, '20261207T020000Z-iiiiiiiiiiii', 'task-1'), { recursive: true });
    await mkdir(join(root, '20261207T020000Z-iiiiiiiiiiii', 'outputs'), { recursive: true });
    const runs = Object.fromEntries((await listRuns(root, none)).map((run) => [run.runId, run]));
    expect(runs['eeeeeeeeeeee']).toMatchObject({ status: 'unknown', note: expect.stringContaining('not a record Capstan wrote') });
    expect(runs['ffffffffffff']).toMatchObject({ status: 'unknown', note: expect.stringContaining('pid') });
    expect(runs['gggggggggggg']).toMatchObject({ status: 'unknown', note: expect.stringContaining('hhhhhhhhhhhh') });
    expect(runs['iiiiiiiiiiii']).toMatchObject({ status: 'unknown', tasks: 1, startedAt: '2026-12-07T02:00:00.000Z', note: expect.stringContaining('no run.json') });
  });

  it('hostile: run.json as a link to a host file or a FIFO is refused without being opened; a link posing as a run folder is skipped', async () => {
    const linked = join(root, '20261207T030000Z-jjjjjjjjjjjj');
    await mkdir(linked);
    await symlink('/etc/shadow', join(linked, 'run.json'));
    const piped = join(root, '20261207T030000Z-kkkkkkkkkkkk');
    await mkdir(piped);
    execFileSync('mkfifo', [join(piped, 'run.json')]);
    await symlink('/etc', join(root, '20261207T030000Z-llllllllllll'));
    const runs = await listRuns(root, none);
    expect(runs.map((run) => run.runId).sort()).toEqual(['jjjjjjjjjjjj', 'kkkkkkkkkkkk']);
    for (const run of runs) expect(run).toMatchObject({ status: 'unknown', note: expect.stringMatching(/symbolic link|FIFO/) });
  });

  it('an empty or missing work root has no runs', async () => {
    expect(await listRuns(join(root, 'missing'), none)).toEqual([]);
  });
});
