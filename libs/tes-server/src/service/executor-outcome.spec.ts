import { failedExecutorState } from './executor-outcome';

describe('failedExecutorState', () => {
  it.each([
    ['exited', 'EXECUTOR_ERROR'],
    ['oom', 'EXECUTOR_ERROR'],
    ['timeout', 'EXECUTOR_ERROR'],
    ['missing_output', 'EXECUTOR_ERROR'],
    ['lost', 'SYSTEM_ERROR'],
    ['error', 'SYSTEM_ERROR'],
    ['preempted', 'SYSTEM_ERROR'],
    [null, 'SYSTEM_ERROR'],
  ] as const)('maps a failed executor ending %s to %s', (reason, state) => {
    expect(failedExecutorState(reason)).toBe(state);
  });
});
