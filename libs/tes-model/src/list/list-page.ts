import { type StoredTesTask } from '../create/stored-task';
import { type ListQuery } from './list-query';
import { matchesNamePrefix } from './name-prefix';
import { encodePageToken } from './page-token';
import { matchesTags } from './tag-filter';

/**
 * The list order: newest first, by task id (ids from `newTaskId` sort by creation). The spec leaves the order open;
 * newest first is what Funnel, the reference server, does and what a person listing tasks wants to see first.
 * Compares ids by UTF-16 code units, never by locale.
 */
export function compareNewestFirst(a: Pick<StoredTesTask, 'id'>, b: Pick<StoredTesTask, 'id'>): number {
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/** Whether a task passes the query's filters (state, name prefix, tags); paging aside. */
export function matchesListQuery(task: StoredTesTask, query: Pick<ListQuery, 'state' | 'namePrefix' | 'tags'>): boolean {
  return (query.state === undefined || task.state === query.state) && matchesNamePrefix(query.namePrefix, task.name) && matchesTags(query.tags, task.tags);
}

export interface TaskPage {
  readonly tasks: StoredTesTask[];
  /** Absent on the last page: no task passing the filters comes after this page. */
  readonly nextPageToken: string | undefined;
}

/**
 * One ListTasks page out of a set of stored tasks: the tasks passing the filters, newest first, that come after the
 * cursor, at most `pageSize` of them. The reference semantics for any store; a database does the same with
 * `WHERE id < :after ORDER BY id DESC LIMIT :pageSize + 1`.
 */
export function selectTaskPage(tasks: Iterable<StoredTesTask>, query: Pick<ListQuery, 'pageSize' | 'cursor' | 'state' | 'namePrefix' | 'tags'>): TaskPage {
  const after = query.cursor?.after;
  const candidates = [...tasks].filter((task) => (after === undefined || task.id < after) && matchesListQuery(task, query)).sort(compareNewestFirst);
  const page = candidates.slice(0, query.pageSize);
  const last = page[page.length - 1];
  return { tasks: page, nextPageToken: candidates.length > page.length && last !== undefined ? encodePageToken({ after: last.id }) : undefined };
}
