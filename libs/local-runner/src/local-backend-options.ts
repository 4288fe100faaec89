import { z } from 'zod';

/** The `local` section of Capstan's configuration. */
export const localBackendOptionsSchema = z.strictObject({
  /** Seconds between SIGTERM and SIGKILL when a task is stopped. */
  graceSeconds: z.number().nonnegative().default(10),
  /** Variables passed from Capstan's own environment to tasks (the task's `env` is added on top). */
  passEnv: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/)).default(['PATH', 'HOME', 'USER', 'LOGNAME', 'LANG', 'LC_ALL', 'TMPDIR', 'TZ']),
});

export type LocalBackendOptions = z.input<typeof localBackendOptionsSchema>;
