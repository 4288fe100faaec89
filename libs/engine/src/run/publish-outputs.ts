import { CapstanError, ErrorCode } from '@capstan/core-constraints';
import { publishTaskFile } from '@capstan/task-files';
import { sanitizeTaskName } from '@capstan/naming';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type OutputFile } from './collect-outputs';

/** One published output file: an `outputs.json` entry and part of a TaskResult. */
export interface PublishedOutput {
  readonly task: string;
  readonly uniqueName: string;
  /** The output's name (its pattern in the list form). */
  readonly name: string;
  /** Absolute path of the published file. */
  readonly path: string;
  /** Where it was in the work dir, relative to it. */
  readonly source: string;
  readonly size: number;
  readonly sha256: string;
}

export interface PublishedTask {
  /** `<output root>/<task>/`, or undefined when nothing was published. */
  readonly folder: string | undefined;
  readonly files: readonly PublishedOutput[];
  readonly warnings: readonly string[];
}

/**
 * Publishes a task's collected outputs to `<outputRoot>/<task>/`, keeping their paths below the work dir. The task
 * folder is made fresh, never reused: when the task's name is taken there (two tasks of one name, or an earlier run
 * in the same --output-dir), its unique name is used, so nothing published before is ever replaced.
 */
export async function publishOutputs(outputRoot: string, task: string, uniqueName: string, workDir: string, files: readonly OutputFile[]): Promise<PublishedTask> {
  if (files.length === 0) return { folder: undefined, files: [], warnings: [] };
  const folder = await taskOutputFolder(outputRoot, [sanitizeTaskName(task), uniqueName]);
  const published: PublishedOutput[] = [];
  const warnings: string[] = [];
  for (const file of files) {
    const path = join(folder, file.path);
    try {
      await mkdir(dirname(path), { recursive: true });
      const done = await publishTaskFile(workDir, file.path, path);
      published.push({ task, uniqueName, name: file.name, path, source: file.path, size: done.sizeBytes, sha256: done.sha256 });
    } catch (error) {
      warnings.push(`outputs: could not publish "${file.path}" to ${path}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return { folder, files: published, warnings };
}

/** An output root that cannot be written fails the task (its folder stays, whatever the retention): never lost. */
async function taskOutputFolder(root: string, names: readonly string[]): Promise<string> {
  try {
    await mkdir(root, { recursive: true });
    return await freshFolder(root, names);
  } catch (error) {
    throw new CapstanError(
      ErrorCode.InvalidConfig,
      `cannot publish outputs in ${root} (${error instanceof Error ? error.message : String(error)}); give --output-dir (config key outputDir) a folder you can write, or leave it unset to publish in the run folder; the task's files are kept in its folder`,
      { path: 'outputDir', details: { value: root } },
    );
  }
}

async function freshFolder(root: string, names: readonly string[]): Promise<string> {
  for (const [index, name] of names.entries()) {
    const folder = join(root, name);
    try {
      await mkdir(folder);
      return folder;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || index === names.length - 1) throw error;
    }
  }
  throw new RangeError('no folder name to try');
}
