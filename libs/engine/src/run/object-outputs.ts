import { CapstanError, ErrorCode } from '@capstan/core-constraints';
import { basename, relative } from 'node:path';
import { type RemoteFiles } from '../engine-options';
import { type PublishedTask } from './publish-outputs';

/** An output dir in an object store (`s3://bucket/prefix`): outputs are published locally first, then uploaded. */
export interface ObjectOutputDir {
  /** The prefix as given, without a trailing `/`. */
  readonly url: string;
  readonly remote: RemoteFiles;
}

export const OUTPUT_DIR_FIELD = 'outputDir';

/** The output dir's store, when `outputDir` is a URL; a URL without a transfer to reach it is refused at once. */
export function objectOutputDir(outputDir: string, remote: RemoteFiles | undefined): ObjectOutputDir {
  if (remote === undefined) {
    throw new CapstanError(ErrorCode.InvalidConfig, `outputDir "${outputDir}" is a URL, which this engine has no transfer to reach; give a host folder`, {
      path: OUTPUT_DIR_FIELD,
      details: { value: outputDir },
    });
  }
  return { url: outputDir.replace(/\/+$/, ''), remote };
}

/**
 * Uploads a task's locally published outputs (hard links of the checked files, under `localRoot/<task>/`) to
 * `<url>/<task>/<path>`: what was published is exactly what was checked (a link out of the task folder never got
 * this far). The first failure ends the upload (transfer.failed, path outputDir): a run never reports as stored
 * what the store did not take. Returns the task as published in the store.
 */
export async function uploadOutputs(target: ObjectOutputDir, localRoot: string, published: PublishedTask, signal: AbortSignal): Promise<PublishedTask> {
  if (published.folder === undefined) return published;
  const folder = published.folder;
  const files = [];
  for (const file of published.files) {
    const url = `${target.url}/${relative(localRoot, file.path).split('\\').join('/')}`;
    await target.remote.put({ url, hostPath: file.path, within: folder, fieldPath: OUTPUT_DIR_FIELD }, signal);
    files.push({ ...file, path: url });
  }
  return { ...published, folder: `${target.url}/${basename(folder)}`, files };
}

/** Stores the run's rewritten `outputs.json` beside the tasks' folders. */
export async function uploadManifest(target: ObjectOutputDir, manifestPath: string, localRoot: string, signal: AbortSignal): Promise<void> {
  await target.remote.put({ url: `${target.url}/${basename(manifestPath)}`, hostPath: manifestPath, within: localRoot, fieldPath: OUTPUT_DIR_FIELD }, signal);
}
