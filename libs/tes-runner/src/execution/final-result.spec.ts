import { type TesTaskInView } from '@capstan/tes-model';
import { executorRan, finalResult } from './final-result';

const submittedAt = new Date('2024-01-01T00:00:00Z');
const now = new Date('2024-01-01T01:00:00Z');
const base = { submittedAt, now };

function task(state: TesTaskInView['state'], exitCodes: number[] = [], systemLogs?: string[]): TesTaskInView {
  return {
    id: 'T1',
    state,
    logs: [
      { logs: [{ exit_code: 99 }], outputs: [] },
      {
        logs: exitCodes.map((exit_code) => ({ exit_code, start_time: '2024-01-01T00:10:00Z', end_time: '2024-01-01T00:20:00Z' })),
        outputs: [],
        start_time: '2024-01-01T00:05:00Z',
        ...(systemLogs === undefined ? {} : { system_logs: systemLogs }),
      },
    ],
  };
}

describe('finalResult', () => {
  it('reads COMPLETE as exited with the last executor exit code of the last task log, at the server\'s times', () => {
    expect(finalResult(task('COMPLETE', [0]), base)).toEqual({
      result: { exitCode: 0, endReason: 'exited', startedAt: new Date('2024-01-01T00:10:00Z'), endedAt: new Date('2024-01-01T00:20:00Z') },
      warnings: [],
    });
  });

  it('reads COMPLETE without an executor log as exit code 0', () => {
    expect(finalResult(task('COMPLETE'), base).result).toMatchObject({ exitCode: 0, endReason: 'exited', startedAt: new Date('2024-01-01T00:05:00Z'), endedAt: now });
  });

  it('reads EXECUTOR_ERROR as exited with that exit code', () => {
    expect(finalResult(task('EXECUTOR_ERROR', [0, 3]), base).result).toMatchObject({ exitCode: 3, endReason: 'exited' });
  });

  it('does not make up an exit code for EXECUTOR_ERROR', () => {
    expect(finalResult(task('EXECUTOR_ERROR'), base).result).toMatchObject({ exitCode: null, endReason: 'error', message: expect.stringContaining('without an executor exit code') });
  });

  it('reads SYSTEM_ERROR as error with the system logs as the message and as warnings, one per line', () => {
    const final = finalResult(task('SYSTEM_ERROR', [], ['image not found\npull failed', '  ']), base);
    expect(final.result).toMatchObject({ exitCode: null, endReason: 'error', message: 'image not found; pull failed' });
    expect(final.warnings).toEqual(['image not found', 'pull failed']);
  });

  it('says so when SYSTEM_ERROR comes without a log', () => {
    expect(finalResult(task('SYSTEM_ERROR'), base).result.message).toBe('the TES server reported SYSTEM_ERROR and wrote no system log');
  });

  it.each([
    ['CANCELED', 'canceled'],
    ['PREEMPTED', 'preempted'],
  ] as const)('reads %s as %s', (state, endReason) => {
    expect(finalResult(task(state), base).result).toMatchObject({ exitCode: null, endReason });
  });

  it('lets Capstan\'s own stop win over the state the cancel led to', () => {
    expect(finalResult(task('CANCELED'), { ...base, stopReason: 'timeout', timeoutMs: 1500 }).result).toMatchObject({ endReason: 'timeout', message: expect.stringContaining('timeout of 1.5 s') });
    expect(finalResult(task('COMPLETE', [0]), { ...base, stopReason: 'canceled' }).result).toMatchObject({ endReason: 'canceled', exitCode: 0 });
  });

  it('falls back to the times the polls saw when the server wrote none', () => {
    const observedStart = new Date('2024-01-01T00:30:00Z');
    expect(finalResult({ id: 'T', state: 'PREEMPTED' }, { ...base, observedStart }).result).toMatchObject({ startedAt: observedStart, endedAt: now });
    expect(finalResult({ id: 'T', state: 'PREEMPTED' }, base).result).toMatchObject({ startedAt: submittedAt });
  });
});

describe('executorRan', () => {
  it('is true once the task ran or ended through its executor', () => {
    expect(executorRan({ state: 'RUNNING' })).toBe(true);
    expect(executorRan({ state: 'COMPLETE' })).toBe(true);
    expect(executorRan({ state: 'SYSTEM_ERROR' })).toBe(false);
    expect(executorRan({ state: 'CANCELED', logs: [{ logs: [{ exit_code: 143 }], outputs: [] }] })).toBe(true);
  });
});
