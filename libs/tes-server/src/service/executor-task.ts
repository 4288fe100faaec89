import { parseTask, type Task } from '@capstan/core-constraints';
import { type TesExecutor, type ValidatedTask } from '@capstan/tes-model';
import { shellQuote } from '@capstan/support';
import { type TesTaskLayout } from './task-layout';

/**
 * The shell text that runs one executor: into its `workdir` (made if missing, as `docker run -w` does), then its
 * argv with `exec`, so that the program itself gets the signals, with stdin/stdout/stderr redirected to the paths the
 * executor names. The argv is never re-split: each element stays one word.
 */
export function executorScript(executor: Pick<TesExecutor, 'command' | 'workdir' | 'stdin' | 'stdout' | 'stderr'>): string {
  const lines: string[] = [];
  if (executor.workdir !== undefined) {
    lines.push(`mkdir -p -- ${shellQuote(executor.workdir)} && cd -- ${shellQuote(executor.workdir)} || exit 125`);
  }
  const redirects = [
    executor.stdin === undefined ? '' : ` < ${shellQuote(executor.stdin)}`,
    executor.stdout === undefined ? '' : ` > ${shellQuote(executor.stdout)}`,
    executor.stderr === undefined ? '' : ` 2> ${shellQuote(executor.stderr)}`,
  ].join('');
  lines.push(`exec ${executor.command.map(shellQuote).join(' ')}${redirects}`);
  return `${lines.join('\n')}\n`;
}

/** GB as TES means it (10^9 bytes), written the way Capstan's size parser reads it. */
function gigabytes(amount: number): string {
  return `${Math.round(amount * 1e9)} B`;
}

/** The name of the Capstan task that runs executor `index` of TES task `id`: how its containers are found again. */
export function executorTaskName(id: string, index: number): string {
  return `tes-${id}-e${index}`;
}

/** Reads the executor index back from a task name made by {@link executorTaskName}, for the task `id`. */
export function executorIndexOf(id: string, taskName: string): number | undefined {
  const match = new RegExp(`^tes-${id.replace(/[^A-Za-z0-9]/g, '\\$&')}-e([0-9]+)$`).exec(taskName);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/**
 * One executor as a Capstan task: its image, its env, the task's resources, the task's shared folders and inputs
 * bound at their container paths, run by `sh` (TES images need not have bash).
 */
export function executorTask(id: string, task: ValidatedTask, index: number, layout: TesTaskLayout): Task {
  const executor = executorAt(task, index);
  return parseTask({
    name: executorTaskName(id, index),
    command: executorScript(executor),
    requirements: executorRequirements(task, executor),
    // The task's tags are its labels: the engine's routes: rules match on them as on a task file's hints.labels.
    hints: { shell: 'sh', ...(task.tags === undefined || Object.keys(task.tags).length === 0 ? {} : { labels: task.tags }) },
    inputs: layout.mounts.map((mount) => ({ source: mount.hostPath, path: mount.guestPath, type: mount.type, ...(mount.writable ? { writable: true } : {}) })),
    env: executor.env ?? {},
  });
}

function executorAt(task: ValidatedTask, index: number): TesExecutor {
  const executor = task.executors[index];
  if (executor === undefined) throw new RangeError(`the task has no executor ${index}`);
  return executor;
}

/** The `requirements` of an executor's Capstan task: its image, and the task's cores and memory. */
function executorRequirements(task: ValidatedTask, executor: TesExecutor): Record<string, unknown> {
  const resources = task.resources;
  return {
    container: executor.image,
    ...(resources?.cpu_cores === undefined ? {} : { cpu: resources.cpu_cores }),
    ...(resources?.ram_gb === undefined ? {} : { memory: gigabytes(resources.ram_gb) }),
  };
}

/**
 * Executor parts that a check has found valid, as their JSON: `parseTask` is a pure function of them, so the same
 * parts get the same answer, and a server's creates mostly repeat a few images, sizes and env sets. Only passes are
 * kept (a refusal is parsed again, so its message is always its own); the set is bounded in count and key length, and
 * starts again empty when full, so a client sending ever-new parts costs it nothing but the misses.
 */
class CheckedParts {
  private readonly keys = new Set<string>();

  constructor(
    private readonly maxKeys: number,
    private readonly maxKeyLength: number,
  ) {}

  has(key: string): boolean {
    return this.keys.has(key);
  }

  add(key: string): void {
    if (key.length > this.maxKeyLength) return;
    if (this.keys.size >= this.maxKeys) this.keys.clear();
    this.keys.add(key);
  }
}

const checkedParts = new CheckedParts(1024, 4096);

/**
 * Parses, as {@link executorTask} does, the parts of executor `index`'s Capstan task that a validated TES task can get
 * wrong: its image, its memory and its env names. What executorTask adds besides (the command script, the `sh` shell
 * and the tags as labels among the hints, the layout's binds as inputs) is valid by construction, so a create is
 * checked without building it; create-checks.spec.ts holds the two to the same answer on generated tasks. Parts
 * already found valid are not parsed again. Throws the CapstanError that executorTask would.
 */
export function checkExecutorTask(task: ValidatedTask, index: number): void {
  const executor = executorAt(task, index);
  const parts = { requirements: executorRequirements(task, executor), env: executor.env ?? {} };
  // JSON tells two different parts apart: their values are strings (escaped one to one) and finite numbers.
  const key = JSON.stringify(parts);
  if (checkedParts.has(key)) return;
  // The name only tells executors apart in messages; any index makes a valid one.
  parseTask({ name: executorTaskName('check', index), command: 'exit 0', ...parts });
  checkedParts.add(key);
}
