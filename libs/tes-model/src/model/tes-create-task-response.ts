import { z } from 'zod';

/** `tesCreateTaskResponse`: the id the server gave the new task (never empty: an empty id could not be looked up). */
export const tesCreateTaskResponseSchema = z.object({
  id: z.string().min(1),
});
export type TesCreateTaskResponse = z.infer<typeof tesCreateTaskResponseSchema>;
