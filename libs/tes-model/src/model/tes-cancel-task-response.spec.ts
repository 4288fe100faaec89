import { tesCancelTaskResponseSchema } from './tes-cancel-task-response';

describe('tesCancelTaskResponse', () => {
  it('is an empty object', () => {
    expect(tesCancelTaskResponseSchema.parse({})).toEqual({});
    expect(tesCancelTaskResponseSchema.safeParse(null).success).toBe(false);
  });
});
