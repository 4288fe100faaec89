import { type TesList, type TesTask } from './api';
import { type TesEvent } from './events';

/** The list's applied filters, as ListTasks reads them. */
export interface ListFilters {
  readonly state: string;
  readonly namePrefix: string;
  readonly tagKey: string;
  readonly tagValue: string;
}

/**
 * Whether a `created` event's task passes the filters, by ListTasks' own rules (state, an exact name prefix, one tag
 * whose empty value matches any); undefined when the event left name and tags out for their size (`partial`).
 */
export function fitsFilters(data: TesEvent['data'], filters: ListFilters): boolean | undefined {
  if (filters.state !== '' && filters.state !== data.state) return false;
  if (data.partial === true) return undefined;
  if (filters.namePrefix !== '' && !(data.name ?? '').startsWith(filters.namePrefix)) return false;
  if (filters.tagKey === '') return true;
  const value = data.tags?.[filters.tagKey];
  return value !== undefined && (filters.tagValue === '' || value === filters.tagValue);
}

/**
 * The first page with the created task on top (newest first, as the server lists). The page grows past its size
 * rather than dropping its last row: the next page's token starts after that row, so a dropped row would be on no page.
 */
export function withCreated(list: TesList, data: TesEvent['data']): TesList {
  if (data.taskId === undefined || list.tasks.some((task) => task.id === data.taskId)) return list;
  const task: TesTask = {
    id: data.taskId,
    state: data.state ?? 'QUEUED',
    ...(data.name === undefined ? {} : { name: data.name }),
    ...(data.creationTime === undefined ? {} : { creation_time: data.creationTime }),
    ...(data.tags === undefined ? {} : { tags: data.tags }),
  };
  return { ...list, tasks: [task, ...list.tasks] };
}
