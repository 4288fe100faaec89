import { ErrorCode } from '@capstan/core-constraints';
import { container } from 'tsyringe';
import { captureCapstanError } from './testing/capture-capstan-error';
import { storedTask } from './testing/task-fixtures';
import { registerTesTaskStore } from './register-tes-task-store';
import { SqliteTesTaskStore } from './sqlite/sqlite-tes-task-store';
import { TesTaskStore } from './tes-task-store';

describe('registerTesTaskStore', () => {
  it('registers one opened store under the TesTaskStore token and returns it', () => {
    const child = container.createChildContainer();
    const store = registerTesTaskStore(child, { file: ':memory:' });
    try {
      expect(store).toBeInstanceOf(SqliteTesTaskStore);
      expect(child.resolve(TesTaskStore)).toBe(store);
      child.resolve(TesTaskStore).insert(storedTask({ id: '01JZ0000000000000000000003' }));
      expect(store.countByState()).toEqual({ QUEUED: 1 });
    } finally {
      store.close();
    }
  });

  it('refuses bad options before registering anything', () => {
    const child = container.createChildContainer();
    expect(captureCapstanError(() => registerTesTaskStore(child, { file: '' })).code).toBe(ErrorCode.InvalidConfig);
    expect(child.isRegistered(TesTaskStore)).toBe(false);
  });
});
