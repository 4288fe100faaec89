import { CapstanError, ErrorCode } from '@capstan/core-constraints';
import { TES_STATES, type TesState } from '../model/tes-state';
import { listNames } from '../support/show-value';

/**
 * The states after which nothing more happens to a task on its own. PREEMPTED counts as final: the spec describes it
 * as "the task is stopped (preempted) by the system", so like the error states it has ended unless the server retries
 * it.
 */
export const FINAL_STATES = ['COMPLETE', 'EXECUTOR_ERROR', 'SYSTEM_ERROR', 'CANCELED', 'PREEMPTED'] as const satisfies readonly TesState[];

/** The final states a server may retry from, back to QUEUED. COMPLETE and CANCELED are final for good. */
export const RETRYABLE_STATES = ['EXECUTOR_ERROR', 'SYSTEM_ERROR', 'PREEMPTED'] as const satisfies readonly TesState[];

const ALL_BUT_UNKNOWN = TES_STATES.filter((state) => state !== 'UNKNOWN');

/**
 * Where each state may go. The main line is QUEUED -> INITIALIZING -> RUNNING -> COMPLETE | EXECUTOR_ERROR |
 * SYSTEM_ERROR; a cancel goes through CANCELING to CANCELED from any state that has not ended. Besides:
 * - SYSTEM_ERROR may end any unfinished state (a failed download, a lost worker, a full disk);
 * - PREEMPTED may end a task that holds compute (INITIALIZING, RUNNING, PAUSED);
 * - PAUSED is entered from QUEUED or RUNNING and left to where the task can go on (QUEUED, RUNNING);
 * - the error states and PREEMPTED may go back to QUEUED for a retry (the task log then gets a new entry);
 * - UNKNOWN, the spec's stand-in for a missing state, may become any state, but nothing becomes UNKNOWN.
 * Staying in the same state is always allowed (a repeated update is not a change).
 */
export const NEXT_STATES: Readonly<Record<TesState, readonly TesState[]>> = {
  UNKNOWN: ALL_BUT_UNKNOWN,
  QUEUED: ['INITIALIZING', 'PAUSED', 'CANCELING', 'SYSTEM_ERROR'],
  INITIALIZING: ['RUNNING', 'CANCELING', 'SYSTEM_ERROR', 'PREEMPTED'],
  RUNNING: ['COMPLETE', 'EXECUTOR_ERROR', 'SYSTEM_ERROR', 'PAUSED', 'CANCELING', 'PREEMPTED'],
  PAUSED: ['QUEUED', 'RUNNING', 'CANCELING', 'SYSTEM_ERROR', 'PREEMPTED'],
  CANCELING: ['CANCELED'],
  COMPLETE: [],
  EXECUTOR_ERROR: ['QUEUED'],
  SYSTEM_ERROR: ['QUEUED'],
  CANCELED: [],
  PREEMPTED: ['QUEUED'],
};

/** Whether the task has ended (COMPLETE, EXECUTOR_ERROR, SYSTEM_ERROR, CANCELED or PREEMPTED). */
export function isFinal(state: TesState): boolean {
  return (FINAL_STATES as readonly TesState[]).includes(state);
}

/** Whether a task in state `from` may move to `to` (see {@link NEXT_STATES}). */
export function canTransition(from: TesState, to: TesState): boolean {
  return isState(from) && isState(to) && (from === to || NEXT_STATES[from].includes(to));
}

/** Guards against strings that are not states at all (from a database, say), which the types cannot rule out. */
function isState(value: string): value is TesState {
  return (TES_STATES as readonly string[]).includes(value);
}

/** Throws a CapstanError (`tes.invalid_transition`, path `state`) unless a task in state `from` may move to `to`. */
export function assertTransition(from: TesState, to: TesState): void {
  if (canTransition(from, to)) return;
  const options = { path: 'state', details: { from, to } };
  if (!isState(from) || !isState(to)) {
    throw new CapstanError(ErrorCode.TesInvalidTransition, `${JSON.stringify(from)} -> ${JSON.stringify(to)} is not a change between TES states; use one of ${listNames(TES_STATES, 'or')}`, options);
  }
  const next = NEXT_STATES[from];
  const start = `a task in state ${from} cannot move to ${to}`;
  if (isFinal(from)) {
    const retry = next.length > 0 ? `; it may only go back to ${next.join(' or ')} for a retry` : '';
    throw new CapstanError(ErrorCode.TesInvalidTransition, `${start}: ${from} is final${retry}`, options);
  }
  throw new CapstanError(ErrorCode.TesInvalidTransition, `${start}; from ${from} it may move to ${next.join(', ')}`, options);
}

/**
 * What CancelTask does to a task in `state`: CANCELING when the task has not ended; undefined when there is nothing
 * to do (already final, or already canceling), which the api answers with a no-op 200 `{}`.
 */
export function stateOnCancel(state: TesState): 'CANCELING' | undefined {
  return isFinal(state) || state === 'CANCELING' ? undefined : 'CANCELING';
}
