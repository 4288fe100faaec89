import { type EngineEvent } from '@capstan/engine';
import { ExecutorWatch, LOG_REFRESH_MS } from './executor-watch';

const context = { runId: 'r', taskName: 't', uniqueName: 'u', time: '2026-12-06T10:00:00.000Z' };
const attempt = { ...context, type: 'attempt-started', attempt: 1, attemptName: 'u', folder: '/work/u/attempts/1' } as EngineEvent;
const started = { ...context, type: 'backend', attempt: 1, event: { type: 'started', id: 'c' } } as EngineEvent;
const line = { ...context, type: 'backend', attempt: 1, event: { type: 'log', stream: 'stdout', text: 'x\n' } } as EngineEvent;

describe('ExecutorWatch', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('says when the container started, with the event time', () => {
    const starts: Date[] = [];
    const watch = new ExecutorWatch({ started: (at) => starts.push(at), refresh: () => Promise.resolve() });
    watch.onEvent(attempt);
    watch.onEvent(started);
    expect(starts).toEqual([new Date(context.time)]);
  });

  it('refreshes the tails at a bounded rate however many lines a task prints (hostile: a flood of output)', async () => {
    const refreshes: string[] = [];
    const watch = new ExecutorWatch({ started: () => undefined, refresh: (folder) => Promise.resolve(void refreshes.push(folder)) });
    watch.onEvent(attempt);
    for (let second = 0; second < 10; second += 1) {
      for (let index = 0; index < 1_000; index += 1) watch.onEvent(line);
      await jest.advanceTimersByTimeAsync(1_000);
    }
    expect(refreshes.length).toBeGreaterThanOrEqual(4);
    expect(refreshes.length).toBeLessThanOrEqual(10_000 / LOG_REFRESH_MS + 1);
    expect(new Set(refreshes)).toEqual(new Set(['/work/u/attempts/1']));
  });

  it('refreshes nothing after stop, and survives a refresh that fails (fault)', async () => {
    let calls = 0;
    const watch = new ExecutorWatch({ started: () => undefined, refresh: () => Promise.reject(new Error(`disk gone ${(calls += 1)}`)) });
    watch.onEvent(attempt);
    watch.onEvent(line);
    await jest.advanceTimersByTimeAsync(LOG_REFRESH_MS);
    expect(calls).toBe(1);
    watch.onEvent(line);
    watch.stop();
    watch.onEvent(line);
    await jest.advanceTimersByTimeAsync(LOG_REFRESH_MS * 3);
    expect(calls).toBe(1);
  });
});
