import { z } from 'zod';
import { optional, withDefault } from '../support/optional-field';
import { stringMapSchema } from '../support/string-map';
import { rfc3339Schema } from '../time/rfc3339';
import { tesExecutorLogSchema } from './tes-executor-log';
import { tesOutputFileLogSchema } from './tes-output-file-log';

/**
 * `tesTaskLog`: one attempt of the task. `logs` and `outputs` are required by the spec and always written; when
 * reading, a missing list is read as empty (protobuf-JSON servers such as Funnel leave empty lists out).
 */
export const tesTaskLogSchema = z.object({
  logs: withDefault(z.array(tesExecutorLogSchema), []),
  metadata: optional(stringMapSchema),
  start_time: optional(rfc3339Schema),
  end_time: optional(rfc3339Schema),
  outputs: withDefault(z.array(tesOutputFileLogSchema), []),
  /** Only in the FULL view. */
  system_logs: optional(z.array(z.string())),
});
export type TesTaskLog = z.infer<typeof tesTaskLogSchema>;
