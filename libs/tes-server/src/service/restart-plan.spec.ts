import { type Leftover, restartAction } from './restart-plan';

const executors = [{ image: 'i', command: ['a'] }, { image: 'i', command: ['b'], ignore_error: true }, { image: 'i', command: ['c'] }];
const container = (index: number, state: string): Leftover => ({ backend: 'docker', index, resource: { id: `c${index}`, name: `c${index}`, labels: {}, state } });
const log = (exit_code: number, ended = true) => ({ start_time: '2026-12-06T10:00:00Z', exit_code, ...(ended ? { end_time: '2026-12-06T10:01:00Z' } : {}) });
const task = (state: string, logs: ReturnType<typeof log>[]) => ({ state, executors, logs: [{ logs, outputs: [] }] }) as unknown as Parameters<typeof restartAction>[0];

describe('restartAction', () => {
  it('runs again a task none of whose executors started (QUEUED or INITIALIZING, no container)', () => {
    expect(restartAction(task('QUEUED', []), [])).toEqual({ kind: 'rerun' });
    expect(restartAction({ ...task('INITIALIZING', []), logs: [] }, [])).toEqual({ kind: 'rerun' });
  });

  it('takes over an existing container, running or ended, whatever the stored state says (never starts it again)', () => {
    expect(restartAction(task('RUNNING', [log(0, false)]), [container(0, 'running')])).toEqual({ kind: 'take-over', leftover: container(0, 'running') });
    expect(restartAction(task('RUNNING', [log(0), log(0, false)]), [container(1, 'exited')])).toEqual({ kind: 'take-over', leftover: container(1, 'exited') });
    // The server died between the container's start and the RUNNING write.
    expect(restartAction(task('INITIALIZING', []), [container(0, 'exited')])).toEqual({ kind: 'take-over', leftover: container(0, 'exited') });
  });

  it('does not count a container that was created but never started', () => {
    expect(restartAction(task('INITIALIZING', []), [container(0, 'created')])).toEqual({ kind: 'rerun' });
    expect(restartAction(task('RUNNING', [log(0)]), [container(1, 'created')])).toEqual({ kind: 'continue', from: 1 });
  });

  it('goes on after the recorded executors, also past one that failed with ignore_error, and to the uploads after the last', () => {
    expect(restartAction(task('RUNNING', [log(0)]), [])).toEqual({ kind: 'continue', from: 1 });
    expect(restartAction(task('RUNNING', [log(0), log(9)]), [])).toEqual({ kind: 'continue', from: 2 });
    expect(restartAction(task('RUNNING', [log(0), log(0), log(0)]), [])).toEqual({ kind: 'continue', from: 3 });
  });

  it('ends a task whose recorded executor failed, and says lost when a started executor left no container (fault)', () => {
    expect(restartAction(task('RUNNING', [log(2)]), [])).toEqual({ kind: 'executor-error', index: 0 });
    expect(restartAction(task('RUNNING', [log(0), log(0, false)]), [])).toEqual({ kind: 'lost', index: 1 });
  });

  it('cancels a CANCELING task', () => {
    expect(restartAction(task('CANCELING', [log(0, false)]), [container(0, 'running')])).toEqual({ kind: 'cancel' });
  });
});
