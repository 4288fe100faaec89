import { type StoredTesTask } from '@capstan/tes-model';

/**
 * A task was stored: the stream's `created` event. It carries what a task list shows and filters on (name, tags,
 * creation time), so a client adds the row without reading the task; `owner` decides who sees it and is never sent.
 */
export interface TaskCreatedEvent {
  readonly type: 'created';
  readonly taskId: string;
  readonly owner: string;
  readonly state: 'QUEUED';
  readonly creationTime: string;
  readonly name?: string;
  readonly tags?: Readonly<Record<string, string>>;
  /** Set when name and tags were left out for their size: read the task (GetTask BASIC) for them. */
  readonly partial?: true;
}

/**
 * Bytes of name and tags (as JSON) a `created` event carries at most. The journal keeps `api.events.bufferSize`
 * events whoever sent them: without a bound, tasks with megabytes of tags would hold gigabytes there.
 */
export const CREATED_DETAILS_MAX_BYTES = 4096;

export function taskCreated(task: StoredTesTask, owner: string): TaskCreatedEvent {
  const base = { type: 'created', taskId: task.id, owner, state: 'QUEUED', creationTime: task.creation_time ?? new Date().toISOString() } as const;
  const details = { ...(task.name === undefined ? {} : { name: task.name }), ...(task.tags === undefined ? {} : { tags: task.tags }) };
  return Buffer.byteLength(JSON.stringify(details)) <= CREATED_DETAILS_MAX_BYTES ? { ...base, ...details } : { ...base, partial: true };
}
