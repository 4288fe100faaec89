import { CapstanError, ErrorCode } from '@capstan/core-constraints';
import { symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { assertInputExists, assertInputsExist } from './input-check';
import { folderPerTest } from './testing';

describe('assertInputsExist', () => {
  const folderOfTest = folderPerTest('support-lib-inputs-');

  async function failure(work: Promise<void>): Promise<CapstanError> {
    const error = await work.then(() => undefined, (caught: unknown) => caught);
    expect(error).toBeInstanceOf(CapstanError);
    return error as CapstanError;
  }

  it('passes files and folders that exist', async () => {
    const folder = folderOfTest();
    await writeFile(join(folder, 'a.txt'), 'a');
    await expect(assertInputsExist({ inputs: [{ hostPath: join(folder, 'a.txt'), guestPath: '/mnt/task/a' }, { hostPath: folder }] })).resolves.toBeUndefined();
    await expect(assertInputsExist({ inputs: [] })).resolves.toBeUndefined();
  });

  it('names the first missing input, its index, host and guest path, as the task\'s mistake', async () => {
    const folder = folderOfTest();
    await writeFile(join(folder, 'a.txt'), 'a');
    const missing = join(folder, 'missing.txt');
    const error = await failure(assertInputsExist({ inputs: [{ hostPath: join(folder, 'a.txt'), guestPath: '/a' }, { hostPath: missing, guestPath: '/mnt/task/m' }] }));
    expect(error.code).toBe(ErrorCode.InvalidValue);
    expect(error.path).toBe('inputs.1');
    expect(error.message).toBe(`input ${missing} does not exist; check the input's source`);
    expect(error.details).toEqual({ value: missing, guestPath: '/mnt/task/m' });
  });

  it('hostile: a link that leads nowhere, a path through a file, and an empty path are missing', async () => {
    const folder = folderOfTest();
    await symlink(join(folder, 'nowhere'), join(folder, 'dangling'));
    await writeFile(join(folder, 'file'), '');
    for (const [index, hostPath] of [join(folder, 'dangling'), join(folder, 'file', 'below'), ''].entries()) {
      const error = await failure(assertInputExists({ hostPath }, index));
      expect([error.code, error.path]).toEqual([ErrorCode.InvalidValue, `inputs.${index}`]);
    }
  });
});
