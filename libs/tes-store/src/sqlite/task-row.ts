import { type StoredTesTask } from '@capstan/tes-model';
import { splitTask } from './task-documents';
import { utf16Key } from './utf16-key';

/** The columns a task is stored in (see schema-migrations.ts), named as in SQL. */
export interface TaskRow {
  readonly id_key: Buffer;
  readonly state: string;
  readonly name_key: Buffer | null;
  readonly creation_time: string;
  readonly basic_json: string;
  readonly extra_json: string | null;
}

export interface TagRow {
  readonly key: Buffer;
  readonly value: Buffer;
}

export function toTaskRow(task: StoredTesTask): TaskRow {
  const { basic, extra } = splitTask(task);
  return {
    id_key: utf16Key(task.id),
    state: task.state,
    name_key: task.name === undefined ? null : utf16Key(task.name),
    creation_time: task.creation_time,
    basic_json: basic,
    extra_json: extra,
  };
}

export function toTagRows(tags: Readonly<Record<string, string>>): TagRow[] {
  return Object.entries(tags).map(([key, value]) => ({ key: utf16Key(key), value: utf16Key(value) }));
}

/** Whether two tag maps hold the same pairs, whatever their key order. */
export function sameTags(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && b[key] === a[key]);
}
