import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A fresh temporary folder for each test of the calling describe block, removed after it (also when the test
 * failed). Call it inside `describe`; the returned function gives the current test's folder.
 */
export function folderPerTest(prefix: string): () => string {
  let folder: string | undefined;
  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), prefix));
  });
  afterEach(async () => {
    if (folder !== undefined) await rm(folder, { recursive: true, force: true });
    folder = undefined;
  });
  return () => {
    if (folder === undefined) throw new Error('folderPerTest: the folder exists only while a test runs; call it inside it');
    return folder;
  };
}
