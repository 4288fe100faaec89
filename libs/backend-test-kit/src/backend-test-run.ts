import { type AttemptPaths, type Backend, type BackendEvent, type ExecutionRequest, type ExecutionResult, parseTask, resolveConstraints } from '@capstan/core-constraints';
import { CapstanLabel, MANAGED_VALUE } from '@capstan/support';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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

export interface RunOutcome {
  readonly result: ExecutionResult;
  readonly events: BackendEvent[];
  readonly request: ExecutionRequest;
}

/**
 * What a backend's own integration tests need: a temp folder per test and a run id of its own, so that the resources
 * a test creates can be listed by label (and no other test's), and requests built as the engine builds them.
 */
export class BackendTestRun {
  readonly runId = uniqueId('run');
  private folder: string | undefined;
  private attempts = 0;

  constructor(
    private readonly folderPrefix: string,
    /** The image a task uses when its document names none. */
    private readonly defaultImage: string,
  ) {}

  async setUp(): Promise<void> {
    this.folder = await mkdtemp(join(tmpdir(), this.folderPrefix));
  }

  async tearDown(): Promise<void> {
    if (this.folder !== undefined) await rm(this.folder, { recursive: true, force: true });
  }

  get root(): string {
    if (this.folder === undefined) throw new Error('setUp() first');
    return this.folder;
  }

  get labels(): Record<string, string> {
    return { [CapstanLabel.Managed]: MANAGED_VALUE, [CapstanLabel.RunId]: this.runId };
  }

  /** An execution request as the engine builds it: parseTask + resolveConstraints against the backend's capacity. */
  async request(backend: Backend, task: TaskDocument, extra: Partial<ExecutionRequest> = {}): Promise<ExecutionRequest> {
    this.attempts += 1;
    const name = `${this.runId}-${this.attempts}`;
    const parsed = parseTask({
      name,
      requirements: { container: this.defaultImage, ...task.requirements },
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
      labels: { ...this.labels, [CapstanLabel.UniqueName]: name, [CapstanLabel.Attempt]: '1' },
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

  /** Resources of this run the backend still keeps. */
  async leftovers(backend: Backend): Promise<string[]> {
    return ((await backend.listManaged?.({ [CapstanLabel.RunId]: this.runId })) ?? []).map((resource) => resource.name);
  }
}
