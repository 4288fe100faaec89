import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type TransferredFile } from '../file-transfer';
import { type ProgressReporter } from '../progress/progress-reporter';
import { copyFileContents } from './copy-file';
import { type FileType, type SourceTree } from './source-tree';
import { StagedTarget } from './staged-target';

export interface TreeCopy {
  readonly tree: SourceTree;
  readonly type: FileType;
  /** The real host path to write (a file, or a folder that may already exist). */
  readonly target: string;
  /** The address to report for a file, from its relative path. */
  readonly urlOf: (relativePath: string) => string;
  readonly progress: ProgressReporter;
  readonly signal: AbortSignal | undefined;
  /** Called with the running byte total; throws to stop (a size limit). */
  readonly checkBytes?: (bytesDone: number) => void;
}

/**
 * Copies a listed source into a staged file or folder next to the target, then moves it into place. A failure or an
 * abort leaves nothing new at the target and removes the staged copy.
 */
export async function copyTree(copy: TreeCopy): Promise<TransferredFile[]> {
  const staged = await StagedTarget.create(copy.target, copy.type === 'FILE' ? 'file' : 'folder');
  try {
    for (const folder of copy.tree.folders) await mkdir(join(staged.tempPath, folder));
    const written: TransferredFile[] = [];
    let before = 0;
    copy.progress.update(0);
    for (const file of copy.tree.files) {
      const destination = file.relativePath === '' ? staged.tempPath : join(staged.tempPath, file.relativePath);
      const bytes = await copyFileContents(file.realPath, destination, file.mode, copy.tree.realRoots, copy.signal, (done) => {
        copy.checkBytes?.(before + done);
        copy.progress.update(before + done);
      });
      before += bytes;
      written.push({ url: copy.urlOf(file.relativePath), sizeBytes: bytes, relativePath: file.relativePath });
    }
    await staged.install();
    copy.progress.finish();
    return written;
  } finally {
    await staged.discard();
  }
}
