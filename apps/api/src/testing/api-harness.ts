import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

export const execFileAsync = promisify(execFile);
export const workspaceRoot = resolve(__dirname, '..', '..', '..', '..');
export const apiBundle = join(workspaceRoot, 'tmp', 'api-under-test', 'capstan-api.cjs');
export const cliBundle = join(workspaceRoot, 'tmp', 'api-under-test', 'capstan.cjs');

/** Builds the api (and the CLI, which the TES client tests drive) as users run them: the bundled apps and the dashboard beside them. */
export async function buildApps(): Promise<void> {
  await Promise.all([
    execFileAsync(process.execPath, [join(workspaceRoot, 'tools', 'bundle-app.mjs'), 'apps/api/src/main.ts', 'tmp/api-under-test/capstan-api.cjs'], { cwd: workspaceRoot }),
    execFileAsync(process.execPath, [join(workspaceRoot, 'tools', 'bundle-app.mjs'), 'apps/cli/src/bin.ts', 'tmp/api-under-test/capstan.cjs'], { cwd: workspaceRoot }),
    execFileAsync(process.execPath, [join(workspaceRoot, 'tools', 'bundle-dashboard.mjs'), 'tmp/api-under-test/dashboard'], { cwd: workspaceRoot }),
  ]);
}

export interface RunningApi {
  readonly child: ChildProcess;
  readonly url: string;
  /** Everything the server printed so far (JSON log lines on stdout, messages on stderr). */
  readonly output: () => { stdout: string; stderr: string };
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends a request with the bearer token (when one is set) and JSON body. */
  call(path: string, init?: { method?: string; body?: unknown; token?: string | null }): Promise<{ status: number; body: unknown; text: string }>;
}

/** Starts the bundled api on 127.0.0.1 (a free port) and resolves once it listens. */
export async function startApi(args: readonly string[], options: { token?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<RunningApi> {
  const child = spawn(process.execPath, [apiBundle, '--host', '127.0.0.1', '--port', '0', ...args], {
    cwd: options.cwd ?? workspaceRoot,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.once('exit', (code, signal) => done({ code, signal })));
  const url = await new Promise<string>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`the api did not start within 30 s:\n${stdout}\n${stderr}`)), 30_000);
    const look = (): void => {
      const line = stdout.split('\n').find((text) => text.includes('"event":"listening"'));
      if (line !== undefined) {
        clearTimeout(timer);
        done((JSON.parse(line) as { url: string }).url);
      }
    };
    child.stdout?.on('data', look);
    void exited.then(({ code }) => {
      clearTimeout(timer);
      fail(new Error(`the api exited with ${code}:\n${stdout}\n${stderr}`));
    });
  });
  const call: RunningApi['call'] = async (path, init = {}) => {
    const token = init.token === undefined ? options.token : init.token;
    const response = await fetch(`${url}${path}`, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers: {
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token === null || token === undefined ? {} : { authorization: `Bearer ${token}` }),
      },
      ...(init.body === undefined ? {} : { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) }),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON (metrics, docs)
    }
    return { status: response.status, body, text };
  };
  return { child, url, output: () => ({ stdout, stderr }), exited, call };
}

/** Stops a server the way an operator would (SIGTERM), or abruptly (SIGKILL). */
export async function stopApi(api: RunningApi, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (api.child.exitCode !== null || api.child.signalCode !== null) return;
  api.child.kill(signal);
  await api.exited;
}

export async function until<T>(probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((wait) => setTimeout(wait, 100));
  }
}

/** Container ids (running or not) carrying a label, asked of the real daemon with the docker CLI. */
export async function containersWithLabel(label: string): Promise<string[]> {
  const { stdout } = await execFileAsync('docker', ['ps', '-a', '-q', '--filter', `label=${label}`]);
  return stdout.split('\n').filter((line) => line.trim() !== '');
}
