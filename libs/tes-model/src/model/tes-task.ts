import { z } from 'zod';
import { optional, withDefault } from '../support/optional-field';
import { stringMapSchema } from '../support/string-map';
import { rfc3339Schema } from '../time/rfc3339';
import { tesExecutorSchema } from './tes-executor';
import { tesInputSchema } from './tes-input';
import { tesOutputSchema } from './tes-output';
import { tesResourcesSchema } from './tes-resources';
import { DEFAULT_TES_STATE, tesStateSchema } from './tes-state';
import { tesTaskLogSchema } from './tes-task-log';

/**
 * `tesTask` exactly as the spec types it: only `executors` is required. `id`, `state`, `logs` and `creation_time`
 * are read-only (set by the server); a missing `state` reads as `UNKNOWN`, the spec's default. For the server's rules
 * on a submitted task (absolute paths, url or content, ...) see `validateCreateTask`.
 */
export const tesTaskSchema = z.object({
  id: optional(z.string()),
  state: withDefault(tesStateSchema, DEFAULT_TES_STATE),
  name: optional(z.string()),
  description: optional(z.string()),
  inputs: optional(z.array(tesInputSchema)),
  outputs: optional(z.array(tesOutputSchema)),
  resources: optional(tesResourcesSchema),
  executors: z.array(tesExecutorSchema),
  volumes: optional(z.array(z.string())),
  tags: optional(stringMapSchema),
  logs: optional(z.array(tesTaskLogSchema)),
  creation_time: optional(rfc3339Schema),
});
export type TesTask = z.infer<typeof tesTaskSchema>;

/**
 * A task as GetTask and ListTasks return it in some view. The spec requires `executors` in `tesTask`, yet the MINIMAL
 * view holds only `id` and `state`; so when reading a view, `executors` is optional.
 */
export const tesTaskInViewSchema = tesTaskSchema.extend({ executors: optional(z.array(tesExecutorSchema)) });
export type TesTaskInView = z.infer<typeof tesTaskInViewSchema>;
