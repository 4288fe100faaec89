import { z } from 'zod';
import { optional } from '../support/optional-field';
import { stringMapSchema } from '../support/string-map';

/** `tesExecutor`: one command in a container. The task's executors run one after another in the same volumes. */
export const tesExecutorSchema = z.object({
  image: z.string(),
  /** argv: the program, then its arguments. */
  command: z.array(z.string()),
  workdir: optional(z.string()),
  stdin: optional(z.string()),
  stdout: optional(z.string()),
  stderr: optional(z.string()),
  env: optional(stringMapSchema),
  ignore_error: optional(z.boolean()),
});
export type TesExecutor = z.infer<typeof tesExecutorSchema>;
