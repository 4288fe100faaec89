import { type Task } from '@capstan/core-constraints';
import { collectOutputs, describeOutput } from './collect-outputs';
import { type ObjectOutputDir, uploadOutputs } from './object-outputs';
import { type OutputsManifest } from './outputs-manifest';
import { publishOutputs } from './publish-outputs';
import { type TaskRun } from './task-run';

/**
 * After a successful command: collects the task's outputs from its work dir and publishes them with their manifest.
 * A required output that matched nothing fails the task (`missing_output`) and nothing is published; a file that
 * could not be published, or an optional output that matched nothing, is a warning. Returns whether the task
 * still succeeds. With `objects`, what was published in `outputRoot` is then uploaded with the manifest, and a failed
 * upload throws (transfer.failed): the task's files stay in its folder.
 */
export async function deliverOutputs(
  run: TaskRun,
  task: Task,
  workDir: string,
  outputRoot: string,
  manifest: OutputsManifest,
  objects?: { readonly target: ObjectOutputDir; readonly signal: AbortSignal },
): Promise<boolean> {
  const collected = await run.timed('collectMs', () => collectOutputs(workDir, task.outputs));
  run.outputs = collected.files;
  collected.warnings.forEach((warning) => run.warn(warning));
  if (collected.missing.length > 0) {
    run.missingOutputs = collected.missing.map((output) => `required output ${describeOutput(output)} matched no file in the work dir`);
    run.endReasonOverride = 'missing_output';
    run.emit({ type: 'outputs', files: collected.files, published: [], missing: run.missingOutputs });
    return false;
  }
  const local = await run.timed('collectMs', () => publishOutputs(outputRoot, task.name, run.uniqueName, workDir, collected.files));
  const published = objects === undefined ? local : await run.timed('collectMs', () => uploadOutputs(objects.target, outputRoot, local, objects.signal));
  published.warnings.forEach((warning) => run.warn(warning));
  run.published = published.files;
  run.outputsFolder = published.folder ?? null;
  if (published.files.length > 0) {
    const written = manifest.add(published.files);
    // In a store the manifest is part of what was published: its failed upload fails the task like a file's.
    if (objects !== undefined) await written;
    else await written.catch((error: unknown) => run.warn(`outputs: could not write ${manifest.path}: ${error instanceof Error ? error.message : String(error)}`));
  }
  run.emit({ type: 'outputs', files: collected.files, published: published.files, missing: [] });
  return true;
}
