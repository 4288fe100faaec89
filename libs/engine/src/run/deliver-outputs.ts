import { type Task } from '@capstan/core-constraints';
import { collectOutputs, describeOutput } from './collect-outputs';
import { type OutputsManifest } from './outputs-manifest';
import { publishOutputs } from './publish-outputs';
import { type TaskRun } from './task-run';

/**
 * After a successful command: collects the task's outputs from its work dir and publishes them with their manifest.
 * A required output that matched nothing fails the task (`missing_output`) and nothing is published; a file that
 * could not be published, or an optional output that matched nothing, is a warning. Returns whether the task
 * still succeeds.
 */
export async function deliverOutputs(run: TaskRun, task: Task, workDir: string, outputRoot: string, manifest: OutputsManifest): Promise<boolean> {
  const collected = await run.timed('collectMs', () => collectOutputs(workDir, task.outputs));
  run.outputs = collected.files;
  collected.warnings.forEach((warning) => run.warn(warning));
  if (collected.missing.length > 0) {
    run.missingOutputs = collected.missing.map((output) => `required output ${describeOutput(output)} matched no file in the work dir`);
    run.endReasonOverride = 'missing_output';
    run.emit({ type: 'outputs', files: collected.files, published: [], missing: run.missingOutputs });
    return false;
  }
  const published = await run.timed('collectMs', () => publishOutputs(outputRoot, task.name, run.uniqueName, workDir, collected.files));
  published.warnings.forEach((warning) => run.warn(warning));
  run.published = published.files;
  run.outputsFolder = published.folder ?? null;
  if (published.files.length > 0) {
    await manifest.add(published.files).catch((error: unknown) => run.warn(`outputs: could not write ${manifest.path}: ${error instanceof Error ? error.message : String(error)}`));
  }
  run.emit({ type: 'outputs', files: collected.files, published: published.files, missing: [] });
  return true;
}
