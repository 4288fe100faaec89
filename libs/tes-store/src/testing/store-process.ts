import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { build } from 'esbuild';
import { type StoreSteps } from './store-steps';

const workspaceRoot = resolve(__dirname, '..', '..', '..', '..');

/** What open-store-process.ts printed: the store opened, or the CapstanError it got. */
export type OpenOutcome = { readonly opened: true } | { readonly code: string; readonly message: string; readonly path: string | null };

/**
 * Bundles a script of this folder (with the workspace's path aliases; open-store-process.ts unless named) into
 * `folder`; returns the script to run.
 */
export async function bundleStoreProcess(folder: string, script = 'open-store-process.ts'): Promise<string> {
  const outfile = join(folder, script.replace(/\.ts$/, '.cjs'));
  await build({
    entryPoints: [join(__dirname, script)],
    bundle: true,
    platform: 'node',
    target: 'node22.12',
    format: 'cjs',
    outfile,
    tsconfig: join(workspaceRoot, 'tsconfig.base.json'),
    packages: 'external',
    logLevel: 'silent',
  });
  return outfile;
}

// npm packages stay external: the bundle, outside the workspace, finds them through NODE_PATH.
const childEnv = (): NodeJS.ProcessEnv => ({ ...process.env, NODE_PATH: join(workspaceRoot, 'node_modules') });

/** Opens the store at `file` in another process and closes it again. */
export function openInOtherProcess(script: string, file: string): OpenOutcome {
  const result = spawnSync(process.execPath, [script, file], { encoding: 'utf8', env: childEnv() });
  if (result.status !== 0) throw new Error(`the other process failed (${String(result.status)}): ${result.stderr}`);
  return JSON.parse(result.stdout.trim()) as OpenOutcome;
}

/** Another process holding the store at `file` open, until it is killed. */
export async function holdInOtherProcess(script: string, file: string): Promise<{ readonly child: ChildProcess; readonly outcome: OpenOutcome }> {
  const child = spawn(process.execPath, [script, file, 'hold'], { env: childEnv(), stdio: ['pipe', 'pipe', 'inherit'] });
  if (child.stdout === null) throw new Error('the other process has no stdout');
  const lines = createInterface({ input: child.stdout });
  const [line] = (await once(lines, 'line')) as [string];
  return { child, outcome: JSON.parse(line) as OpenOutcome };
}

/**
 * Another process running `steps` (store-steps-process.ts) on the store at `file`, then holding it open until it is
 * killed; resolves once the steps are done.
 */
export async function runStepsInOtherProcess(script: string, file: string, run: StoreSteps): Promise<ChildProcess> {
  const child = spawn(process.execPath, [script, file, JSON.stringify(run)], { env: childEnv(), stdio: ['pipe', 'pipe', 'inherit'] });
  if (child.stdout === null) throw new Error('the other process has no stdout');
  const lines = createInterface({ input: child.stdout });
  const said = once(lines, 'line').then(([line]) => String(line));
  const ended = once(child, 'exit').then(([code, signal]) => `nothing, and exited (${String(code ?? signal)})`);
  const line = await Promise.race([said, ended]);
  if (line !== 'done') throw new Error(`the other process said ${line}`);
  return child;
}

/** Kills `child` with SIGKILL (no chance to close anything) and waits until it is gone. */
export async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}
