import { tesCreateTaskResponseSchema } from './tes-create-task-response';

describe('tesCreateTaskResponse', () => {
  it('reads the id', () => {
    expect(tesCreateTaskResponseSchema.parse({ id: 'job-0012345' })).toEqual({ id: 'job-0012345' });
  });

  it.each([{}, { id: '' }, { id: 5 }])('refuses %j', (value) => {
    expect(tesCreateTaskResponseSchema.safeParse(value).success).toBe(false);
  });
});
