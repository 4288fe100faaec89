import { removeTaskTree } from '@capstan/task-files';

/** What happens to a task's folder when it ends. */
export const RETENTION_POLICIES = ['keep', 'delete-on-success', 'delete-always'] as const;
export type RetentionPolicy = (typeof RETENTION_POLICIES)[number];

/** Applies the policy; returns whether the folder was deleted. A folder that cannot be deleted is reported. */
export async function applyRetention(folder: string, policy: RetentionPolicy, succeeded: boolean): Promise<boolean> {
  const remove = policy === 'delete-always' || (policy === 'delete-on-success' && succeeded);
  if (!remove) return false;
  // The task wrote in this folder: its links are removed as links, and nothing outside the folder is ever reached.
  await removeTaskTree(folder);
  return true;
}
