/** The folder that plays `/mnt/task` for a task run on the host (the local backend sets it). */
export const TASK_ROOT_VARIABLE = 'CAPSTAN_TASK_ROOT';
/** The number of the attempt running, 1 for the first (WDL 1.2's `task.attempt`). */
export const ATTEMPT_VARIABLE = 'CAPSTAN_ATTEMPT';

/**
 * Variables Capstan itself sets inside a task. They share the `CAPSTAN_` prefix of configuration variables, so the
 * configuration loader skips them (without a warning): a `capstan` run inside a task must not read them as settings.
 * A backend that sets a new one adds it here.
 */
export const TASK_VARIABLES: readonly string[] = [TASK_ROOT_VARIABLE, ATTEMPT_VARIABLE];
