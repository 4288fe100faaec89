import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { folderPerTest } from './folder-per-test';

describe('folderPerTest', () => {
  const folder = folderPerTest('support-lib-folder-');
  const seen: string[] = [];

  it('gives each test its own empty, writable folder', async () => {
    seen.push(folder());
    await writeFile(join(folder(), 'x'), 'x');
    expect((await stat(join(folder(), 'x'))).isFile()).toBe(true);
  });

  it('removed the previous test\'s folder, and gives a new one', async () => {
    seen.push(folder());
    expect(seen[1]).not.toBe(seen[0]);
    await expect(stat(seen[0] ?? '')).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('folderPerTest outside a test', () => {
  const folder = folderPerTest('support-lib-folder-');
  it('fault: asked for outside a test, it says so', () => {
    expect(typeof folder()).toBe('string');
  });
  afterAll(() => {
    expect(() => folder()).toThrow('only while a test runs');
  });
});
