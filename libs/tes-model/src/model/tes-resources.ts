import { z } from 'zod';
import { optional, withDefault } from '../support/optional-field';
import { stringMapSchema } from '../support/string-map';

/** `tesResources`: what the task asks of the machine. */
export const tesResourcesSchema = z.object({
  cpu_cores: optional(z.int32()),
  preemptible: optional(z.boolean()),
  ram_gb: optional(z.number()),
  disk_gb: optional(z.number()),
  zones: optional(z.array(z.string())),
  /** Keys are case-insensitive; unsupported keys are neither stored nor returned. */
  backend_parameters: optional(stringMapSchema),
  backend_parameters_strict: withDefault(z.boolean(), false),
});
export type TesResources = z.infer<typeof tesResourcesSchema>;
