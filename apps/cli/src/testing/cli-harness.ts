import { type ChildProcess, execFile, spawn, type SpawnOptions } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

export const execFileAsync = promisify(execFile);
export const workspaceRoot = resolve(__dirname, '..', '..', '..', '..');
export const cliBundle = join(workspaceRoot, 'tmp', 'cli-under-test', 'capstan.cjs');

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Builds the CLI bundle the tests run, as a user would run the built CLI. */
export async function buildCli(): Promise<void> {
  await execFileAsync(process.execPath, [join(workspaceRoot, 'tools', 'bundle-app.mjs'), 'apps/cli/src/bin.ts', 'tmp/cli-under-test/capstan.cjs'], { cwd: workspaceRoot });
}

/**
 * Runs the built CLI to its end. With `uid`, as that user with its supplementary groups (setpriv --init-groups: a
 * plain setuid spawn would drop the docker group that grants the socket).
 */
export async function capstan(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; uid?: number; gid?: number } = {}): Promise<CliResult> {
  const command = options.uid === undefined ? [process.execPath, cliBundle, ...args] : ['setpriv', `--reuid=${options.uid}`, `--regid=${options.gid ?? options.uid}`, '--init-groups', process.execPath, cliBundle, ...args];
  try {
    const { stdout, stderr } = await execFileAsync(command[0] as string, command.slice(1), {
      cwd: options.cwd ?? workspaceRoot,
      env: options.env ?? process.env,
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** Starts the built CLI and hands back the process, for tests that interrupt or kill it. */
export function startCapstan(args: readonly string[], options: SpawnOptions = {}): { child: ChildProcess; output: () => { stdout: string; stderr: string }; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
  const child = spawn(process.execPath, [cliBundle, ...args], { cwd: workspaceRoot, stdio: ['ignore', 'pipe', 'pipe'], ...options });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) => child.once('exit', (code, signal) => resolveExit({ code, signal })));
  return { child, output: () => ({ stdout, stderr }), exited };
}

/** Container ids (running or not) carrying a label, asked of the real engine with its own CLI. */
export async function containersWithLabel(label: string, cli: 'docker' | 'podman' = 'docker'): Promise<string[]> {
  const { stdout } = await execFileAsync(cli, ['ps', '-a', '-q', '--filter', `label=${label}`]);
  return stdout.split('\n').filter((line) => line.trim() !== '');
}

export async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 30_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((resolveWait) => setTimeout(resolveWait, 100));
  }
}

/** A fresh folder (mode 0755, for tests that run as another user) for each test, removed after it; call inside a describe. */
export function folderPerTest(prefix: string): () => string {
  return taskFolder(prefix).dir;
}

/**
 * A fresh folder for each test of the calling describe block (0755: a task's user may need to read it), removed after
 * it, and a writer of JSON task files in it.
 */
export function taskFolder(prefix: string): { readonly dir: () => string; readonly taskFile: (name: string, body: Record<string, unknown>) => Promise<string> } {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
    await chmod(dir, 0o755);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  return {
    dir: () => dir,
    taskFile: async (name, body) => {
      const file = join(dir, `${name}.json`);
      await writeFile(file, JSON.stringify({ name, ...body }));
      return file;
    },
  };
}
