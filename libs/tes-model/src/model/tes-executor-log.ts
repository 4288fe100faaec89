import { z } from 'zod';
import { optional } from '../support/optional-field';
import { rfc3339Schema } from '../time/rfc3339';

/**
 * `tesExecutorLog`: one executor's run. `exit_code` stays required even when reading: unlike a missing list, a missing
 * exit code has no safe default (0 would claim success).
 */
export const tesExecutorLogSchema = z.object({
  start_time: optional(rfc3339Schema),
  end_time: optional(rfc3339Schema),
  /** Convenience text (head, tail or a URL), not the full stream; only in the FULL view. */
  stdout: optional(z.string()),
  stderr: optional(z.string()),
  exit_code: z.int32(),
});
export type TesExecutorLog = z.infer<typeof tesExecutorLogSchema>;
