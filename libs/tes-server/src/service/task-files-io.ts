import { inputSource, readPathPattern, type TesOutputFileLog, type ValidatedTask } from '@capstan/tes-model';
import { type FileTransfer, type ProgressListener } from '@capstan/transfer';
import { mkdir } from 'node:fs/promises';
import { posix } from 'node:path';
import { matchGuestPaths } from './match-guest-paths';
import { hostPathOf, type TesTaskLayout } from './task-layout';

/** Makes the task's folders (already emptied) and fetches its inputs into them. */
export async function fetchInputs(
  mover: FileTransfer,
  task: ValidatedTask,
  layout: TesTaskLayout,
  signal: AbortSignal,
  onProgress: ProgressListener,
): Promise<void> {
  await Promise.all(layout.folders.map((folder) => mkdir(folder, { recursive: true })));
  for (const placement of layout.inputs) {
    const input = task.inputs[placement.index];
    if (input === undefined) continue;
    await mkdir(posix.dirname(placement.hostPath), { recursive: true });
    const source = inputSource(input);
    const fieldPath = `inputs.${placement.index}.${source.kind === 'content' ? 'content' : 'url'}`;
    await mover.fetchInput(
      { ...(source.kind === 'content' ? { content: source.content } : { url: source.url }), type: placement.type === 'directory' ? 'DIRECTORY' : 'FILE', hostPath: placement.hostPath, fieldPath },
      signal,
      onProgress,
    );
  }
  // A read-only bind needs its host side to exist even when nothing was fetched there (an input inside another).
  for (const mount of layout.mounts) if (mount.type === 'directory') await mkdir(mount.hostPath, { recursive: true });
}

/**
 * Uploads the task's outputs, a wildcard output file by file (`warn` hears each match refused, e.g. a link out of the
 * task's folder); returns the output file logs. Links are followed only inside the task's folder.
 */
export async function uploadOutputs(
  mover: FileTransfer,
  task: ValidatedTask,
  layout: TesTaskLayout,
  signal: AbortSignal,
  onProgress: ProgressListener,
  warn: (message: string) => void,
): Promise<TesOutputFileLog[]> {
  const logs: TesOutputFileLog[] = [];
  for (const [index, output] of task.outputs.entries()) {
    const pattern = readPathPattern(output.path);
    const fieldPath = `outputs.${index}.url`;
    if (!pattern.hasWildcards) {
      const files = await mover.putOutput({ hostPath: hostPathOf(layout.root, output.path), url: output.url, type: output.type === 'DIRECTORY' ? 'DIRECTORY' : 'FILE', fieldPath, within: layout.root }, signal, onProgress);
      for (const file of files) logs.push({ url: file.url, path: file.relativePath === '' ? output.path : posix.join(output.path, file.relativePath), size_bytes: String(file.sizeBytes) });
      continue;
    }
    const prefix = output.path_prefix ?? '';
    for (const guestPath of await matchGuestPaths(layout.root, output.path, (message) => warn(`outputs.${index}: ${message}`))) {
      const url = `${output.url.replace(/\/+$/, '')}/${guestPath.slice(prefix.length).replace(/^\/+/, '')}`;
      const files = await mover.putOutput({ hostPath: hostPathOf(layout.root, guestPath), url, type: 'FILE', fieldPath, within: layout.root }, signal, onProgress);
      for (const file of files) logs.push({ url: file.url, path: guestPath, size_bytes: String(file.sizeBytes) });
    }
  }
  return logs;
}
