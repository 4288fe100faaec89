import { z } from 'zod';

/** `tesCancelTaskResponse`: an empty object (`{}`), also when the task had already finished. */
export const tesCancelTaskResponseSchema = z.object({});
export type TesCancelTaskResponse = z.infer<typeof tesCancelTaskResponseSchema>;
