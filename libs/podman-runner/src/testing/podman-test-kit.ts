import { type AttemptPaths, type Backend, type BackendEvent, type ExecutionRequest, type ExecutionResult, parseTask, resolveConstraints } from '@capstan/core-constraints';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chown, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Test images tools/engines/podman.sh imports into the rootful and the test user's rootless storage; never pulled. */
export const BUSYBOX = 'localhost/capstan-test/busybox:1';
export const BASH = 'localhost/capstan-test/bash:1';
export const ROOTFUL_SOCKET = '/run/podman/podman.sock';
/** The ordinary user tools/engines/test-user.sh makes, whose rootless service tools/engines/podman.sh starts. */
export const TEST_USER = { name: 'capstan-runner', uid: 1500, gid: 1500 };
export const ROOTLESS_SOCKET = `/run/user/${TEST_USER.uid}/podman/podman.sock`;
const ROOTLESS_STATUS_FILE = '/var/lib/capstan/podman/rootless.status';

/**
 * Whether rootless Podman works for the test user, as tools/engines/podman.sh found it: null when it does, else the
 * reason (the error text it recorded), which the rootless tests print when they skip.
 */
export function rootlessUnavailableReason(file = ROOTLESS_STATUS_FILE): string | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return `${file} is missing: run tools/engines/podman.sh (as root) to set up rootless Podman for ${TEST_USER.name}`;
  }
  const [state = '', ...rest] = text.split('\n');
  return state.trim() === 'ok' ? null : `rootless Podman is unavailable here: ${rest.join(' ').trim() || '(no reason recorded)'}`;
}

export interface LocalRegistry {
  readonly registry: string;
  readonly username: string;
  readonly password: string;
}

/** The local registry tools/engines/registry.sh runs, from its credentials file. */
export function localRegistry(file = '/var/lib/capstan/registry/credentials.env'): LocalRegistry {
  const values = Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1).trim()]),
  );
  return { registry: values['REGISTRY'] ?? '', username: values['REGISTRY_USER'] ?? '', password: values['REGISTRY_PASSWORD'] ?? '' };
}

export function uniqueId(prefix = 'test'): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

/** `attempts/<n>/{command,work,stdout,stderr}` under a task folder, as the engine makes it. */
export async function createAttemptFolder(taskFolder: string, attempt: number, command: string): Promise<AttemptPaths> {
  const root = join(taskFolder, 'attempts', String(attempt));
  const paths = { root, commandFile: join(root, 'command'), workDir: join(root, 'work'), stdoutFile: join(root, 'stdout'), stderrFile: join(root, 'stderr') };
  await mkdir(paths.workDir, { recursive: true });
  await Promise.all([writeFile(paths.commandFile, command.endsWith('\n') ? command : `${command}\n`), writeFile(paths.stdoutFile, ''), writeFile(paths.stderrFile, '')]);
  return paths;
}

/** chown -R, for folders a test hands to the rootless service's user (as the engine run by that user would have made them). */
export async function chownTree(path: string, uid: number, gid: number): Promise<void> {
  await chown(path, uid, gid);
  for (const entry of await readdir(path, { withFileTypes: true })) {
    if (entry.isDirectory()) await chownTree(join(path, entry.name), uid, gid);
    else await chown(join(path, entry.name), uid, gid);
  }
}

export interface TaskDocument {
  readonly command: string;
  readonly requirements?: Record<string, unknown>;
  readonly hints?: Record<string, unknown>;
  readonly env?: Record<string, string>;
  readonly inputs?: ReadonlyArray<Record<string, unknown>>;
}

/** A temp folder per test, with a run id of its own so that the containers a test creates can be listed by label. */
export class PodmanTestRun {
  readonly runId = uniqueId('run');
  private folder: string | undefined;
  private attempts = 0;

  async setUp(): Promise<void> {
    this.folder = await mkdtemp(join(tmpdir(), 'capstan-podman-'));
  }

  async tearDown(): Promise<void> {
    if (this.folder !== undefined) await rm(this.folder, { recursive: true, force: true });
  }

  get root(): string {
    if (this.folder === undefined) throw new Error('setUp() first');
    return this.folder;
  }

  get labels(): Record<string, string> {
    return { 'io.capstan.managed': 'true', 'io.capstan.run-id': this.runId };
  }

  /** An execution request as the engine builds it: parseTask + resolveConstraints against the backend's capacity. */
  async request(backend: Backend, task: TaskDocument, extra: Partial<ExecutionRequest> = {}): Promise<ExecutionRequest> {
    this.attempts += 1;
    const name = `${this.runId}-${this.attempts}`;
    const parsed = parseTask({
      name,
      requirements: { container: BUSYBOX, ...task.requirements },
      ...(task.hints ? { hints: task.hints } : {}),
      command: task.command,
      ...(task.env ? { env: task.env } : {}),
      ...(task.inputs ? { inputs: task.inputs } : {}),
    });
    const { constraints } = resolveConstraints(parsed.requirements, parsed.hints, await backend.capacity(), { backendName: backend.name });
    const paths = await createAttemptFolder(join(this.root, name), 1, parsed.command);
    return {
      runId: this.runId,
      taskName: name,
      attemptName: name,
      attempt: 1,
      shell: 'sh',
      paths,
      inputs: parsed.inputs.map((input) => ({ hostPath: input.source, guestPath: input.path, type: input.type })),
      env: parsed.env,
      constraints,
      labels: { ...this.labels, 'io.capstan.unique-name': name, 'io.capstan.attempt': '1' },
      ...extra,
    };
  }

  /** Runs a request to its end, collecting the events (log events left out). */
  async execute(backend: Backend, request: ExecutionRequest, signal: AbortSignal = new AbortController().signal, onEvent?: (event: BackendEvent) => void): Promise<RunOutcome> {
    const events: BackendEvent[] = [];
    const result = await backend.execute(request, signal, (event) => {
      if (event.type !== 'log') events.push(event);
      onEvent?.(event);
    });
    return { result, events, request };
  }

  /** Containers of this run still on the service. */
  async leftovers(backend: Backend): Promise<string[]> {
    return ((await backend.listManaged?.({ 'io.capstan.run-id': this.runId })) ?? []).map((resource) => resource.name);
  }
}

export interface RunOutcome {
  readonly result: ExecutionResult;
  readonly events: BackendEvent[];
  readonly request: ExecutionRequest;
}
