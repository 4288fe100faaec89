import fc from 'fast-check';
import { createStoredTask, type StoredTesTask } from '../create/stored-task';
import { validateCreateTask } from '../create/validate-create-task';
import { TaskIdGenerator } from '../ids/task-id';
import { type TesState } from '../model/tes-state';
import { parseListQuery, type QueryParameters } from './list-query';
import { compareNewestFirst, selectTaskPage } from './list-page';

const validated = validateCreateTask({ executors: [{ image: 'alpine:3', command: ['true'] }] });

function makeTasks(count: number, ids = new TaskIdGenerator(() => 1_700_000_000_000)): StoredTesTask[] {
  return Array.from({ length: count }, (_, index) => ({
    ...createStoredTask({ ...validated, name: `task-${index}`, tags: { parity: index % 2 === 0 ? 'even' : 'odd' } }, { id: ids.next() }),
    state: (index % 3 === 0 ? 'COMPLETE' : 'QUEUED') as TesState,
  }));
}

function names(tasks: readonly StoredTesTask[]): string[] {
  return tasks.map((task) => task.name ?? '');
}

function allPages(tasks: readonly StoredTesTask[], query: QueryParameters): StoredTesTask[][] {
  const pages: StoredTesTask[][] = [];
  let token: string | undefined;
  do {
    const page = selectTaskPage(tasks, parseListQuery({ ...query, page_token: token }));
    pages.push(page.tasks);
    token = page.nextPageToken;
  } while (token !== undefined);
  return pages;
}

describe('selectTaskPage', () => {
  it('lists newest first, in pages, with a token only when more follow', () => {
    const tasks = makeTasks(5);
    expect(allPages(tasks, { page_size: '2' }).map(names)).toEqual([['task-4', 'task-3'], ['task-2', 'task-1'], ['task-0']]);
    expect(selectTaskPage(tasks, parseListQuery({ page_size: '5' })).nextPageToken).toBeUndefined();
    expect(selectTaskPage([], parseListQuery({}))).toEqual({ tasks: [], nextPageToken: undefined });
  });

  it('filters by state, name prefix and tags before paging', () => {
    const tasks = makeTasks(12);
    expect(names(selectTaskPage(tasks, parseListQuery({ state: 'COMPLETE' })).tasks)).toEqual(['task-9', 'task-6', 'task-3', 'task-0']);
    expect(names(selectTaskPage(tasks, parseListQuery({ name_prefix: 'task-1' })).tasks)).toEqual(['task-11', 'task-10', 'task-1']);
    expect(names(selectTaskPage(tasks, parseListQuery({ tag_key: 'parity', tag_value: 'odd', state: 'COMPLETE' })).tasks)).toEqual(['task-9', 'task-3']);
    expect(allPages(tasks, { tag_key: 'parity', tag_value: 'even', page_size: '4' }).map(names)).toEqual([
      ['task-10', 'task-8', 'task-6', 'task-4'],
      ['task-2', 'task-0'],
    ]);
  });

  it('stays stable while tasks are created between pages', () => {
    const ids = new TaskIdGenerator(() => 1_700_000_000_000);
    const tasks = makeTasks(4, ids);
    const first = selectTaskPage(tasks, parseListQuery({ page_size: '2' }));
    tasks.push(...makeTasks(3, ids).map((task) => ({ ...task, name: `new-${task.name ?? ''}` })));
    const second = selectTaskPage(tasks, parseListQuery({ page_size: '2', page_token: first.nextPageToken }));
    expect(names(first.tasks)).toEqual(['task-3', 'task-2']);
    expect(names(second.tasks)).toEqual(['task-1', 'task-0']);
    expect(second.nextPageToken).toBeUndefined();
  });

  it('visits every matching task exactly once, whatever the page size', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1, max: 10 }), fc.constantFrom<QueryParameters>({}, { state: 'QUEUED' }, { tag_key: 'parity' }), (count, size, filter) => {
        const tasks = makeTasks(count);
        const expected = selectTaskPage(tasks, parseListQuery({ ...filter, page_size: '2047' })).tasks;
        const paged = allPages(tasks, { ...filter, page_size: String(size) });
        expect(paged.flat()).toEqual(expected);
        for (const page of paged.slice(0, -1)) expect(page).toHaveLength(size);
      }),
    );
  });

  it('orders by id, newest first, without locale rules', () => {
    const ids = ['01B', '01A', '01a', '01C'].map((id) => ({ id }));
    expect(ids.sort(compareNewestFirst).map((task) => task.id)).toEqual(['01a', '01C', '01B', '01A']);
  });
});
