import { type AttemptPaths, CapstanError, type Constraints, ErrorCode, type ExecutionResult } from '@capstan/core-constraints';
import { openTaskFile } from '@capstan/task-files';
import { basename, relative } from 'node:path';

/**
 * What each container runtime prints when it cannot start the shell, as the first line of the attempt's stderr (the
 * shell never ran, so nothing else wrote there) or in the start error. A shell's own "sh: foo: not found" (a task's
 * command exiting 127) matches none of them. `$1` is the program the runtime tried, where the message names it.
 */
const RUNTIME_MESSAGES: readonly RegExp[] = [
  // Docker with its init (tini), the default.
  /^\[FATAL tini \(\d+\)\] exec (\S+) failed: No such file or directory$/,
  // Podman with its init (catatonit): pid 1 is the shell, so a failed exec of pid 1 is the shell missing.
  /^ERROR \(catatonit:\d+\): failed to exec pid1: No such file or directory$/,
  // Apptainer and SingularityCE: a name looked up in PATH, or a path.
  /^FATAL:\s+"([^"]+)": executable file not found in \$PATH$/,
  /^FATAL:\s+stat (\S+): no such file or directory$/,
  // Docker or Podman without an init: runc refuses the start itself.
  /exec: "([^"]+)": (?:executable file not found in \$PATH|stat \S+: no such file or directory)/,
];
/** The runtime's message is one short line; a longer stderr means something ran. */
const MAX_STDERR_BYTES = 1024;

/**
 * The runtime's own line when this attempt ended because the image has no `shell`, else undefined. Read through
 * task-files: the attempt's folder is the task's, and its stderr may be a link a hostile task planted.
 */
export async function missingShellLine(outcome: ExecutionResult, paths: AttemptPaths, shell: string): Promise<string | undefined> {
  if (outcome.endReason === 'error') return matchShell(outcome.message ?? '', shell);
  if (outcome.endReason !== 'exited' || outcome.exitCode === 0) return undefined;
  const text = await smallFile(paths.root, relative(paths.root, paths.stderrFile));
  if (text === undefined) return undefined;
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  return lines.length === 1 ? matchShell((lines[0] as string).trim(), shell) : undefined;
}

/** The whole file when it is at most MAX_STDERR_BYTES; undefined when larger, missing or refused (no evidence then). */
async function smallFile(root: string, path: string): Promise<string | undefined> {
  const handle = await openTaskFile(root, path).catch(() => undefined);
  if (handle === undefined) return undefined;
  try {
    const { size } = await handle.stat();
    if (size > MAX_STDERR_BYTES) return undefined;
    const buffer = Buffer.alloc(size);
    const { bytesRead } = await handle.read(buffer, 0, size, 0);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

function matchShell(text: string, shell: string): string | undefined {
  for (const pattern of RUNTIME_MESSAGES) {
    const match = pattern.exec(text);
    if (match === null) continue;
    const program = match[1];
    if (program === undefined || program === shell || basename(program) === basename(shell)) return match[0];
  }
  return undefined;
}

/** The typed error of an image without the shell: names the image, the shell, what the runtime said, and the fix. */
export function shellNotFound(shell: string, constraints: Constraints, runtimeLine: string): CapstanError {
  const images = constraints.containers.map((source) => source.uri).join(', ') || 'the container';
  const other = basename(shell) === 'sh' ? 'bash' : 'sh';
  return new CapstanError(
    ErrorCode.ShellNotFound,
    `the image ${images} has no shell "${shell}", so the command never ran (the runtime said: ${runtimeLine}); ` +
      `set the task's hints.shell to a shell the image has (e.g. "${other}"), or pass --shell ${other}; not retried: every attempt would fail the same way`,
    { path: 'hints.shell', details: { value: shell, images: constraints.containers.map((source) => source.uri) } },
  );
}
