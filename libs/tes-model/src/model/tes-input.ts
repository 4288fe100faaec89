import { z } from 'zod';
import { optional, withDefault } from '../support/optional-field';
import { DEFAULT_FILE_TYPE, tesFileTypeSchema } from './tes-file-type';

/** `tesInput`: a file or directory placed in the container before the executors run, from `url` or `content`. */
export const tesInputSchema = z.object({
  name: optional(z.string()),
  description: optional(z.string()),
  /** Required unless `content` is set; ignored when `content` is not empty. */
  url: optional(z.string()),
  path: z.string(),
  type: withDefault(tesFileTypeSchema, DEFAULT_FILE_TYPE),
  /** The file's text (UTF-8); when not empty it wins over `url`. */
  content: optional(z.string()),
  streamable: optional(z.boolean()),
});
export type TesInput = z.infer<typeof tesInputSchema>;
