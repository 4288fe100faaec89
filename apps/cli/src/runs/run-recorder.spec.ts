import { type EngineEvent } from '@capstan/engine';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunRecorder } from './run-recorder';
import { runRecordSchema } from './run-record';

const BASE = { runId: 'aaaaaaaaaaaa', startedAt: '2026-12-07T03:00:00.000Z', host: 'h', pid: 1, processStartedAt: null, taskCount: 1 };
const context = { runId: 'aaaaaaaaaaaa', taskName: 't', uniqueName: 't-1', time: '2026-12-07T03:00:01.000Z' };

let base: string;
beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'runs-logs-recorder-'));
});
afterEach(() => rm(base, { recursive: true, force: true }));

const read = async (folder: string): Promise<ReturnType<ReturnType<typeof runRecordSchema>['parse']>> => runRecordSchema().parse(JSON.parse(await readFile(join(folder, 'run.json'), 'utf8')));

describe('RunRecorder', () => {
  it('writes run.json once the engine made the run folder, follows a task through its attempts to its end, then records the run\'s end', async () => {
    const folder = join(base, 'run');
    const warnings: string[] = [];
    const recorder = await RunRecorder.start(folder, BASE, (message) => warnings.push(message));
    // No folder yet (no attempt started): nothing is made, nothing is warned about.
    expect(await readdir(base)).toEqual([]);
    await mkdir(folder);
    const events: EngineEvent[] = [
      { ...context, type: 'resolved', backend: 'docker', constraints: {} as never, warnings: [] },
      { ...context, type: 'attempt-started', attempt: 1, attemptName: 't-1', folder: '/x' },
      { ...context, type: 'attempt-ended', attempt: 1, exitCode: 3, endReason: 'exited', success: false, willRetry: true, cpu: 1, memory: 1 },
      { ...context, type: 'attempt-started', attempt: 2, attemptName: 't-1-2', folder: '/y', time: '2026-12-07T03:00:05.000Z' },
    ];
    events.forEach((event) => recorder.observe(event));
    await recorder.end(new Date('2026-12-07T03:00:09.000Z'));
    expect((await read(folder)).tasks).toEqual([expect.objectContaining({ state: 'running', backend: 'docker', attempt: 2, attemptStartedAt: '2026-12-07T03:00:05.000Z', exitCode: 3 })]);
    recorder.observe({ ...context, type: 'finished', state: 'failed', exitCode: 3, endReason: 'exited' });
    await recorder.end(new Date('2026-12-07T03:00:09.000Z'));
    expect(await read(folder)).toMatchObject({ endedAt: '2026-12-07T03:00:09.000Z', tasks: [{ state: 'failed', endedAt: context.time }] });
    expect(warnings).toEqual([]);
  });

  it("keeps the running attempt's last usage reading for capstan top, and drops it when a retry starts", async () => {
    const folder = join(base, 'run');
    await mkdir(folder);
    const recorder = await RunRecorder.start(folder, BASE, () => undefined);
    recorder.observe({ ...context, type: 'attempt-started', attempt: 1, attemptName: 't-1', folder: '/x' });
    recorder.observe({ ...context, type: 'backend', attempt: 1, event: { type: 'usage', elapsedSeconds: 1, cpuPercent: 97.5, memoryBytes: 2048, readBytes: 1 } });
    recorder.observe({ ...context, type: 'backend', attempt: 1, event: { type: 'log', stream: 'stdout', text: 'x' } });
    await recorder.end();
    expect((await read(folder)).tasks[0]?.usage).toEqual({ time: context.time, cpuPercent: 97.5, memoryBytes: 2048 });
    recorder.observe({ ...context, type: 'attempt-started', attempt: 2, attemptName: 't-1-2', folder: '/y' });
    await recorder.end();
    expect((await read(folder)).tasks[0]).not.toHaveProperty('usage');
  });

  it('fault: a run folder that cannot be written (a file stands there) warns once and never throws', async () => {
    const folder = join(base, 'run');
    await writeFile(folder, 'not a folder');
    const warnings: string[] = [];
    const recorder = await RunRecorder.start(folder, BASE, (message) => warnings.push(message));
    recorder.observe({ ...context, type: 'resolved', backend: 'local', constraints: {} as never, warnings: [] });
    await recorder.end();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/could not write run.json in .*ENOTDIR/);
  });
});
