import { rm } from 'node:fs/promises';

/** What happens to a task's folder when it ends. */
export const RETENTION_POLICIES = ['keep', 'delete-on-success', 'delete-always'] as const;
export type RetentionPolicy = (typeof RETENTION_POLICIES)[number];

/** Applies the policy; returns whether the folder was deleted. A folder that cannot be deleted is reported. */
export async function applyRetention(folder: string, policy: RetentionPolicy, succeeded: boolean): Promise<boolean> {
  const remove = policy === 'delete-always' || (policy === 'delete-on-success' && succeeded);
  if (!remove) return false;
  await rm(folder, { recursive: true, force: true, maxRetries: 2 });
  return true;
}
