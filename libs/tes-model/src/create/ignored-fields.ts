import { joinPath } from '@capstan/core-constraints';
import { createExecutorSchema, createInputSchema, createOutputSchema, createResourcesSchema, createTaskSchema } from './create-task-schema';

/** Fields of `tesTask` that only the server sets; a client that sends them is ignored, not refused. */
export const READ_ONLY_TASK_FIELDS = ['id', 'state', 'logs', 'creation_time'] as const;

const TASK_FIELDS = Object.keys(createTaskSchema.shape);
const NESTED: ReadonlyArray<readonly [field: string, fields: readonly string[], isList: boolean]> = [
  ['inputs', Object.keys(createInputSchema.shape), true],
  ['outputs', Object.keys(createOutputSchema.shape), true],
  ['executors', Object.keys(createExecutorSchema.shape), true],
  ['resources', Object.keys(createResourcesSchema.shape), false],
];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * What validation dropped from a CreateTask body, as notes for the task's system log: read-only fields (the server
 * sets them) and fields TES v1.1 does not define (clients built for other versions or servers send some, e.g.
 * `executors[].ports` from TES 0.x, so they are ignored rather than refused).
 */
export function ignoredFields(body: unknown): string[] {
  if (!isObject(body)) return [];
  const notes: string[] = [];
  for (const key of Object.keys(body)) {
    if ((READ_ONLY_TASK_FIELDS as readonly string[]).includes(key)) notes.push(`ignored the read-only field "${key}": the server sets it`);
    else if (!TASK_FIELDS.includes(key)) notes.push(`ignored the field ${JSON.stringify(key)}: TES v1.1 does not define it`);
  }
  for (const [field, known, isList] of NESTED) {
    const value = body[field];
    const items: ReadonlyArray<readonly [string | null, unknown]> = isList ? (Array.isArray(value) ? value.map((item, index) => [joinPath(field, index), item]) : []) : [[field, value]];
    for (const [path, item] of items) {
      if (!isObject(item)) continue;
      for (const key of Object.keys(item)) {
        if (!known.includes(key)) notes.push(`ignored the field ${JSON.stringify(joinPath(path, key))}: TES v1.1 does not define it`);
      }
    }
  }
  return notes;
}
