import { ErrorCode } from '@capstan/core-constraints';
import { captureCapstanError } from '../testing/capture-capstan-error';
import { parseSqliteTesTaskStoreOptions } from './store-options';

describe('parseSqliteTesTaskStoreOptions', () => {
  it('takes a file path or :memory:', () => {
    expect(parseSqliteTesTaskStoreOptions({ file: '/var/lib/capstan/tasks.sqlite' })).toEqual({ file: '/var/lib/capstan/tasks.sqlite' });
    expect(parseSqliteTesTaskStoreOptions({ file: ':memory:' })).toEqual({ file: ':memory:' });
  });

  it.each<[string, unknown, string | null, string]>([
    ['a missing file', {}, 'file', 'required'],
    ['a blank file', { file: '  ' }, 'file', 'give the task database'],
    ['a NUL byte', { file: 'tasks\0.sqlite' }, 'file', 'NUL byte'],
    ['a number', { file: 3 }, 'file', 'not a string'],
    ['an unknown key', { file: 'tasks.sqlite', journal: 'delete' }, null, 'unknown key "journal"'],
    ['no options at all', undefined, null, 'mapping'],
  ])('refuses %s as config.invalid', (_label, options, path, message) => {
    const error = captureCapstanError(() => parseSqliteTesTaskStoreOptions(options));
    expect(error.code).toBe(ErrorCode.InvalidConfig);
    expect(error.path).toBe(path);
    expect(error.message).toContain(message);
  });

  it('lets a caller place the error under its config section', () => {
    expect(captureCapstanError(() => parseSqliteTesTaskStoreOptions({ file: '' })).under('tes.store').path).toBe('tes.store.file');
  });
});
