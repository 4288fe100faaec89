import { tesListTasksResponseSchema } from './tes-list-tasks-response';

describe('tesListTasksResponse', () => {
  it('reads tasks in any view and the next page token', () => {
    const response = { tasks: [{ id: 'a', state: 'QUEUED' }, { id: 'b', state: 'COMPLETE', executors: [{ image: 'x', command: ['y'] }] }], next_page_token: 'abc' };
    expect(tesListTasksResponseSchema.parse(response)).toEqual(response);
  });

  it('reads a missing task list as an empty page', () => {
    expect(tesListTasksResponseSchema.parse({})).toEqual({ tasks: [] });
  });

  it.each([{ tasks: {} }, { tasks: [{ state: 'DONE' }] }, { tasks: [], next_page_token: 5 }])('refuses %j', (value) => {
    expect(tesListTasksResponseSchema.safeParse(value).success).toBe(false);
  });
});
