import { type CapstanError, ErrorCode } from '@capstan/core-constraints';
import { captureCapstanError } from '../testing/capture-capstan-error';
import { TES_STATES, type TesState } from '../model/tes-state';
import { assertTransition, canTransition, FINAL_STATES, isFinal, NEXT_STATES, RETRYABLE_STATES, stateOnCancel } from './task-state-machine';

function transitionError(from: TesState, to: TesState): CapstanError {
  return captureCapstanError(() => assertTransition(from, to));
}

describe('the TES state machine', () => {
  it.each<[TesState, boolean]>([
    ['UNKNOWN', false],
    ['QUEUED', false],
    ['INITIALIZING', false],
    ['RUNNING', false],
    ['PAUSED', false],
    ['CANCELING', false],
    ['COMPLETE', true],
    ['EXECUTOR_ERROR', true],
    ['SYSTEM_ERROR', true],
    ['CANCELED', true],
    ['PREEMPTED', true],
  ])('isFinal(%s) is %s', (state, final) => {
    expect(isFinal(state)).toBe(final);
  });

  it('has a row for every state', () => {
    expect(Object.keys(NEXT_STATES).sort()).toEqual([...TES_STATES].sort());
    expect([...FINAL_STATES].sort()).toEqual(TES_STATES.filter(isFinal).sort());
  });

  it.each<[TesState, TesState]>([
    ['QUEUED', 'INITIALIZING'],
    ['INITIALIZING', 'RUNNING'],
    ['RUNNING', 'COMPLETE'],
    ['RUNNING', 'EXECUTOR_ERROR'],
    ['RUNNING', 'SYSTEM_ERROR'],
    ['QUEUED', 'CANCELING'],
    ['INITIALIZING', 'CANCELING'],
    ['RUNNING', 'CANCELING'],
    ['PAUSED', 'CANCELING'],
    ['CANCELING', 'CANCELED'],
    ['QUEUED', 'SYSTEM_ERROR'],
    ['INITIALIZING', 'SYSTEM_ERROR'],
    ['INITIALIZING', 'PREEMPTED'],
    ['RUNNING', 'PREEMPTED'],
    ['RUNNING', 'PAUSED'],
    ['PAUSED', 'RUNNING'],
    ['QUEUED', 'PAUSED'],
    ['PAUSED', 'QUEUED'],
    ['EXECUTOR_ERROR', 'QUEUED'],
    ['SYSTEM_ERROR', 'QUEUED'],
    ['PREEMPTED', 'QUEUED'],
    ['UNKNOWN', 'QUEUED'],
    ['UNKNOWN', 'SYSTEM_ERROR'],
    ['RUNNING', 'RUNNING'],
    ['COMPLETE', 'COMPLETE'],
  ])('allows %s -> %s', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
    expect(() => assertTransition(from, to)).not.toThrow();
  });

  it.each<[TesState, TesState]>([
    ['QUEUED', 'RUNNING'],
    ['QUEUED', 'COMPLETE'],
    ['QUEUED', 'CANCELED'],
    ['QUEUED', 'EXECUTOR_ERROR'],
    ['INITIALIZING', 'QUEUED'],
    ['INITIALIZING', 'COMPLETE'],
    ['RUNNING', 'QUEUED'],
    ['RUNNING', 'INITIALIZING'],
    ['RUNNING', 'CANCELED'],
    ['CANCELING', 'COMPLETE'],
    ['CANCELING', 'RUNNING'],
    ['CANCELING', 'SYSTEM_ERROR'],
    ['COMPLETE', 'QUEUED'],
    ['COMPLETE', 'CANCELING'],
    ['CANCELED', 'QUEUED'],
    ['EXECUTOR_ERROR', 'COMPLETE'],
    ['SYSTEM_ERROR', 'RUNNING'],
    ['PREEMPTED', 'RUNNING'],
    ['RUNNING', 'UNKNOWN'],
  ])('refuses %s -> %s', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
    const error = transitionError(from, to);
    expect(error.code).toBe(ErrorCode.TesInvalidTransition);
    expect(error.path).toBe('state');
    expect(error.details).toEqual({ from, to });
  });

  it('never leaves a final state except for a retry back to QUEUED', () => {
    for (const from of FINAL_STATES) {
      for (const to of TES_STATES) {
        const allowed = to === from || (to === 'QUEUED' && (RETRYABLE_STATES as readonly TesState[]).includes(from));
        expect(canTransition(from, to)).toBe(allowed);
      }
    }
  });

  it('never enters UNKNOWN', () => {
    for (const from of TES_STATES.filter((state) => state !== 'UNKNOWN')) expect(canTransition(from, 'UNKNOWN')).toBe(false);
  });

  it('explains the refusal and the way on', () => {
    expect(transitionError('COMPLETE', 'RUNNING').message).toBe('a task in state COMPLETE cannot move to RUNNING: COMPLETE is final');
    expect(transitionError('EXECUTOR_ERROR', 'RUNNING').message).toBe(
      'a task in state EXECUTOR_ERROR cannot move to RUNNING: EXECUTOR_ERROR is final; it may only go back to QUEUED for a retry',
    );
    expect(transitionError('QUEUED', 'COMPLETE').message).toBe(
      'a task in state QUEUED cannot move to COMPLETE; from QUEUED it may move to INITIALIZING, PAUSED, CANCELING, SYSTEM_ERROR',
    );
  });

  it('refuses strings that are not states', () => {
    const error = transitionError('DONE' as TesState, 'DONE' as TesState);
    expect(error.message).toContain('is not a change between TES states');
    expect(canTransition('QUEUED', 'DONE' as TesState)).toBe(false);
  });

  it.each<[TesState, 'CANCELING' | undefined]>([
    ['UNKNOWN', 'CANCELING'],
    ['QUEUED', 'CANCELING'],
    ['INITIALIZING', 'CANCELING'],
    ['RUNNING', 'CANCELING'],
    ['PAUSED', 'CANCELING'],
    ['CANCELING', undefined],
    ['COMPLETE', undefined],
    ['EXECUTOR_ERROR', undefined],
    ['SYSTEM_ERROR', undefined],
    ['CANCELED', undefined],
    ['PREEMPTED', undefined],
  ])('a cancel in state %s moves to %s', (state, next) => {
    expect(stateOnCancel(state)).toBe(next);
    if (next !== undefined) expect(canTransition(state, next)).toBe(true);
  });
});
