import { findForeignOwners } from '@capstan/cleanup';
import { type Backend, type ExecutionRequest } from '@capstan/core-constraints';
import { type TaskRun } from './task-run';

/** Who should own what tasks leave in their folders: the user running Capstan. */
const invokingUser = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };

/**
 * Everything a task leaves in its work dir belongs to the user who ran Capstan. As root there is nothing to do;
 * otherwise foreign-owned files are handed back by the backend, and what cannot be fixed is a warning: the task's
 * result is never lost over it.
 */
export async function repairOwnership(run: TaskRun, backend: Backend, request: ExecutionRequest): Promise<void> {
  if (invokingUser.uid === 0) return;
  const workDir = request.paths.workDir;
  const before = await findForeignOwners(workDir, invokingUser);
  if (before.count === 0) return;
  if (!backend.repairOwnership) {
    run.warn(`${before.count} file(s) in ${workDir} belong to another user and the ${backend.name} backend cannot hand them back (e.g. ${before.paths[0]})`);
    return;
  }
  try {
    await backend.repairOwnership(workDir, invokingUser, request);
  } catch (error) {
    run.warn(`could not give the files in ${workDir} back to uid ${invokingUser.uid}: ${error instanceof Error ? error.message : String(error)}`);
    return;
  }
  const after = await findForeignOwners(workDir, invokingUser);
  if (after.count > 0) run.warn(`${after.count} file(s) in ${workDir} still belong to another user after repair (e.g. ${after.paths[0]})`);
}
