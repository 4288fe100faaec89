import { type AttemptPaths } from '@capstan/core-constraints';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Makes `attempts/<n>/` with the command file, an empty work dir and empty stdout/stderr files. */
export async function createAttemptFolder(taskFolder: string, attempt: number, command: string): Promise<AttemptPaths> {
  const root = join(taskFolder, 'attempts', String(attempt));
  const paths: AttemptPaths = {
    root,
    commandFile: join(root, 'command'),
    workDir: join(root, 'work'),
    stdoutFile: join(root, 'stdout'),
    stderrFile: join(root, 'stderr'),
  };
  await mkdir(paths.workDir, { recursive: true });
  await Promise.all([
    writeFile(paths.commandFile, command.endsWith('\n') ? command : `${command}\n`, { mode: 0o644 }),
    writeFile(paths.stdoutFile, ''),
    writeFile(paths.stderrFile, ''),
  ]);
  return paths;
}
