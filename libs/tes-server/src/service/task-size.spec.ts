import { CapstanError } from '@capstan/core-constraints';
import { createStoredTask, validateCreateTask } from '@capstan/tes-model';
import { checkTaskSize } from './task-size';

function storedWithDescription(description: string) {
  return createStoredTask(validateCreateTask({ description, executors: [{ image: 'alpine', command: ['true'] }] }), { id: 'task-1', now: new Date(0) });
}

describe('checkTaskSize', () => {
  it('counts UTF-8 bytes, not characters: a task within the limit in characters but not in bytes is refused', () => {
    const task = storedWithDescription('€'.repeat(1000));
    const bytes = Buffer.byteLength(JSON.stringify(task), 'utf8');
    expect(JSON.stringify(task).length).toBeLessThan(bytes - 1500);
    expect(() => checkTaskSize(task, bytes)).not.toThrow();
    let refused: unknown;
    try {
      checkTaskSize(task, bytes - 1);
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(CapstanError);
    expect(refused).toMatchObject({ code: 'tes.body_too_large', details: { bytes, limit: bytes - 1, setting: 'api.maxTaskBytes' } });
  });

  it('takes a short ASCII task without counting and refuses one a byte over', () => {
    const task = storedWithDescription('x'.repeat(100));
    const bytes = JSON.stringify(task).length;
    expect(() => checkTaskSize(task, bytes * 3)).not.toThrow();
    expect(() => checkTaskSize(task, bytes)).not.toThrow();
    expect(() => checkTaskSize(task, bytes - 1)).toThrow(/above the maximum task size/);
  });
});
