import { DEFAULT_TES_STATE, TES_STATES, tesStateSchema } from './tes-state';

describe('tesState', () => {
  it('has the spec\'s eleven states and default', () => {
    expect(TES_STATES).toEqual(['UNKNOWN', 'QUEUED', 'INITIALIZING', 'RUNNING', 'PAUSED', 'COMPLETE', 'EXECUTOR_ERROR', 'SYSTEM_ERROR', 'CANCELED', 'PREEMPTED', 'CANCELING']);
    expect(DEFAULT_TES_STATE).toBe('UNKNOWN');
  });

  it.each([...TES_STATES])('accepts %s', (state) => {
    expect(tesStateSchema.parse(state)).toBe(state);
  });

  it.each(['running', 'CANCELLED', 'DONE', '', 1, null])('refuses %j', (value) => {
    expect(tesStateSchema.safeParse(value).success).toBe(false);
  });
});
