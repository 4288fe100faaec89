import { storedTesTaskSchema, taskView } from '@capstan/tes-model';
import { storedTask } from '../testing/task-fixtures';
import { joinTask, splitTask } from './task-documents';

describe('task documents', () => {
  it('stores a task with nothing BASIC drops as one document', () => {
    const task = storedTesTaskSchema.parse(storedTask({ id: '01JZ0000000000000000000004' }));
    const { basic, extra } = splitTask(task);
    expect(extra).toBeNull();
    expect(basic).toBe(JSON.stringify(task));
    expect(joinTask(basic, extra)).toEqual(task);
  });

  it('keeps what BASIC drops apart and puts it back in place, key order included', () => {
    const task = storedTesTaskSchema.parse(storedTask({ id: '01JZ0000000000000000000005', content: 'echo hi\n', ran: true, state: 'COMPLETE' }));
    const twoAttempts = { ...task, logs: [...task.logs, { ...task.logs[0], system_logs: undefined, logs: [{ exit_code: 1, stderr: 'failed\n' }], outputs: [] }] };
    const stored = storedTesTaskSchema.parse(twoAttempts);
    const { basic, extra } = splitTask(stored);
    expect(JSON.parse(basic)).toEqual(taskView(stored, 'BASIC'));
    expect(extra).not.toContain('s3://');
    expect(JSON.stringify(joinTask(basic, extra))).toBe(JSON.stringify(stored));
  });
});
