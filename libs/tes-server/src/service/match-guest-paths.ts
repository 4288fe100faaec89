import { checkTaskFile, globTaskFolder } from '@capstan/task-files';

/**
 * Container paths under the task's root that match a TES wildcard path: regular files only, found without following
 * links; a match that is a link, FIFO, socket or device is left out and named through `warn`.
 */
export async function matchGuestPaths(root: string, pattern: string, warn: (message: string) => void): Promise<string[]> {
  const matches = await globTaskFolder(root, pattern.replace(/^\/+/, ''));
  const kept: string[] = [];
  for (const match of matches) {
    const refusal = await checkTaskFile(root, match);
    if (refusal === undefined) kept.push(`/${match}`);
    else warn(`${refusal.message}; not uploaded`);
  }
  return kept;
}
