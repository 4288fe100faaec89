import { inputTooLarge, type TransferSubject } from '../errors/transfer-errors';
import { type TransferredFile } from '../file-transfer';
import { StagedTarget } from './staged-target';
import { writeFile } from 'node:fs/promises';

/** Writes an input's inline `content` (UTF-8) at `target`, staged and renamed like every other transfer. */
export async function writeContent(content: string, target: string, maxBytes: number, subject: TransferSubject): Promise<TransferredFile[]> {
  const bytes = Buffer.from(content, 'utf8');
  if (bytes.length > maxBytes) throw inputTooLarge(subject, maxBytes, bytes.length);
  const staged = await StagedTarget.create(target, 'file');
  try {
    await writeFile(staged.tempPath, bytes, { flag: 'wx', flush: true });
    await staged.install();
    return [{ url: '', sizeBytes: bytes.length, relativePath: '' }];
  } finally {
    await staged.discard();
  }
}
