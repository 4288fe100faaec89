import { isTaskId } from '../ids/task-id';
import { createStoredTask, storedTesTaskSchema } from './stored-task';
import { validateCreateTask } from './validate-create-task';

describe('createStoredTask', () => {
  const task = validateCreateTask({ name: 'hello', executors: [{ image: 'alpine:3', command: ['echo', 'hello'] }] });

  it('adds a new id, state QUEUED, empty logs and the creation time', () => {
    const stored = createStoredTask(task, { id: 'task-1', now: new Date('2020-10-02T15:00:00Z') });
    expect(stored).toEqual({ ...task, id: 'task-1', state: 'QUEUED', logs: [], creation_time: '2020-10-02T15:00:00.000Z' });
    expect(Object.keys(stored)).toEqual(['id', 'state', 'name', 'inputs', 'outputs', 'executors', 'volumes', 'tags', 'logs', 'creation_time']);
  });

  it('makes a sortable id and uses the current time by default', () => {
    const before = Date.now();
    const stored = createStoredTask(task);
    expect(isTaskId(stored.id)).toBe(true);
    expect(Date.parse(stored.creation_time)).toBeGreaterThanOrEqual(before);
  });

  it('reads back what it stored (JSON round trip)', () => {
    const stored = createStoredTask(task, { id: 'task-1' });
    const row = JSON.parse(JSON.stringify(stored)) as unknown;
    expect(storedTesTaskSchema.parse(row)).toEqual(stored);
  });

  it('refuses a stored row without the read-only fields', () => {
    expect(storedTesTaskSchema.safeParse(JSON.parse(JSON.stringify(task))).success).toBe(false);
  });
});
