import { z } from 'zod';
import { newTaskId } from '../ids/task-id';
import { tesTaskLogSchema } from '../model/tes-task-log';
import { tesStateSchema } from '../model/tes-state';
import { formatRfc3339, rfc3339Schema } from '../time/rfc3339';
import { createTaskSchema, type ValidatedTask } from './create-task-schema';

/**
 * A task as the server keeps it: a validated task plus the read-only fields, all present. Also the schema to read a
 * stored task back (from a database row, say).
 */
export const storedTesTaskSchema = z.object({
  id: z.string().min(1),
  state: tesStateSchema,
  ...createTaskSchema.shape,
  logs: z.array(tesTaskLogSchema),
  creation_time: rfc3339Schema,
});
export type StoredTesTask = z.output<typeof storedTesTaskSchema>;

export interface NewStoredTaskOptions {
  /** Default: {@link newTaskId}. */
  readonly id?: string;
  /** The creation time; default now. */
  readonly now?: Date;
}

/** The stored form of a newly accepted task: a new id, state QUEUED, no logs yet, created now. */
export function createStoredTask(task: ValidatedTask, options: NewStoredTaskOptions = {}): StoredTesTask {
  return {
    id: options.id ?? newTaskId(),
    state: 'QUEUED',
    ...task,
    logs: [],
    creation_time: formatRfc3339(options.now ?? new Date()),
  };
}
