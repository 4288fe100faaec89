import { type AttemptPaths, type BackendEvent, type ExecutionRequest, type ExecutionResult, parseTask, resolveConstraints } from '@capstan/core-constraints';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DockerBackend } from '../docker-backend';

/** Test images made by tools/engines/test-images.sh; never pulled. */
export const BUSYBOX = 'capstan-test/busybox:1';
export const BASH = 'capstan-test/bash:1';

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

export interface TaskDocument {
  readonly command: string;
  readonly requirements?: Record<string, unknown>;
  readonly hints?: Record<string, unknown>;
  readonly env?: Record<string, string>;
  readonly inputs?: ReadonlyArray<Record<string, unknown>>;
}

/**
 * A temp folder per test, with a run id of its own so that the containers a test creates can be listed by label
 * (and no other test's).
 */
export class DockerTestRun {
  readonly runId = uniqueId('run');
  private folder: string | undefined;
  private attempts = 0;

  async setUp(): Promise<void> {
    this.folder = await mkdtemp(join(tmpdir(), 'capstan-docker-'));
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
  async request(backend: DockerBackend, task: TaskDocument, extra: Partial<ExecutionRequest> = {}): Promise<ExecutionRequest> {
    this.attempts += 1;
    const name = `${this.runId}-${this.attempts}`;
    const parsed = parseTask({ name, requirements: { container: BUSYBOX, ...task.requirements }, ...(task.hints ? { hints: task.hints } : {}), command: task.command, ...(task.env ? { env: task.env } : {}), ...(task.inputs ? { inputs: task.inputs } : {}) });
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

  /** Runs a request to its end, collecting the events (log events joined per stream). */
  async execute(backend: DockerBackend, request: ExecutionRequest, signal: AbortSignal = new AbortController().signal, onEvent?: (event: BackendEvent) => void): Promise<RunOutcome> {
    const events: BackendEvent[] = [];
    const result = await backend.execute(request, signal, (event) => {
      if (event.type !== 'log') events.push(event);
      onEvent?.(event);
    });
    return { result, events, request };
  }

  /** Containers of this run still on the daemon. */
  async leftovers(backend: DockerBackend): Promise<string[]> {
    return (await backend.listManaged({ 'io.capstan.run-id': this.runId })).map((resource) => resource.name);
  }
}

export interface RunOutcome {
  readonly result: ExecutionResult;
  readonly events: BackendEvent[];
  readonly request: ExecutionRequest;
}
