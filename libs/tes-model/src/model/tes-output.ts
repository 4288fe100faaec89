import { z } from 'zod';
import { optional, withDefault } from '../support/optional-field';
import { DEFAULT_FILE_TYPE, tesFileTypeSchema } from './tes-file-type';

/** `tesOutput`: a file, directory or wildcard pattern uploaded from the container after the executors ran. */
export const tesOutputSchema = z.object({
  name: optional(z.string()),
  description: optional(z.string()),
  url: z.string(),
  /** Absolute; may hold POSIX wildcards, and then needs `path_prefix`. */
  path: z.string(),
  /** Removed from each match of a wildcard `path` before it is appended to `url`; ignored without wildcards. */
  path_prefix: optional(z.string()),
  type: withDefault(tesFileTypeSchema, DEFAULT_FILE_TYPE),
});
export type TesOutput = z.infer<typeof tesOutputSchema>;
