import { z } from 'zod';
import { optional, withDefault } from '../support/optional-field';
import { tesTaskInViewSchema } from './tes-task';

/**
 * `tesListTasksResponse`: one page of tasks in the requested view, and the token for the next page (absent on the
 * last page). A missing `tasks` reads as an empty page (protobuf-JSON servers leave empty lists out).
 */
export const tesListTasksResponseSchema = z.object({
  tasks: withDefault(z.array(tesTaskInViewSchema), []),
  next_page_token: optional(z.string()),
});
export type TesListTasksResponse = z.infer<typeof tesListTasksResponseSchema>;
