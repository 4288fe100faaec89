/**
 * Variables Capstan sets inside every task, whatever the backend. Capstan's values win over a task's own `env` of the
 * same name: a task cannot make itself believe it is on another attempt.
 */
export const TASK_ENV = {
  /** The attempt number, 1-based (WDL 1.2's `task.attempt`): a retry can change what it does. */
  attempt: 'CAPSTAN_ATTEMPT',
} as const;
