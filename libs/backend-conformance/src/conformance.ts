import { type Backend, type BackendCapabilities, BackendRegistry, parseTask } from '@capstan/core-constraints';
import { DEFAULT_ENGINE_OPTIONS, type EngineEvent, type EngineOptions, TaskEngine, type TaskResult } from '@capstan/engine';
import { CapstanLabel, NameGenerator } from '@capstan/naming';
import { ResourceLedger } from '@capstan/resource-manager';
import { until } from '@capstan/support/testing';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { usageScenarios } from './usage-scenarios';

export interface ConformanceOptions {
  /** Names the suite in test output. */
  readonly name: string;
  /** Makes the backend under test (called once, at collection time, so capabilities decide what runs). */
  readonly create: () => Backend;
  /** An image the backend can run that has a POSIX `sh`, `head`, `tr`, `sleep` and `cat` (ignored by hosts-only backends). */
  readonly image: string;
  /** A reference that does not exist, for the missing-image scenario (container backends only). */
  readonly missingImage?: string;
  /** The shell for task commands. Default `sh`. */
  readonly shell?: string;
  /** Engine settings for the suite's tasks (the work root is a fresh temporary folder). */
  readonly engine?: Partial<EngineOptions>;
  /** Per-scenario time limit. Default 120 s. */
  readonly timeoutMs?: number;
  /**
   * Backends the engine holds besides the one under test (an engine of several backends, `engine.routing` sending the
   * suite's tasks to the one under test): the scenarios are the same, the engine is the one a configuration builds.
   */
  readonly others?: readonly Backend[];
}

export interface Scenario {
  readonly title: string;
  /** The capability the scenario needs, and why a backend without it cannot pass. */
  readonly needs?: { readonly capability: keyof BackendCapabilities; readonly because: string };
  readonly run: (kit: ScenarioKit) => Promise<void>;
}

export interface ScenarioKit {
  readonly backend: Backend;
  readonly workRoot: string;
  run(task: Record<string, unknown>, signal?: AbortSignal, onEvent?: (event: EngineEvent) => void): Promise<TaskResult>;
  stdoutOf(result: TaskResult, attempt?: number): Promise<string>;
}

/**
 * One shared set of scenarios, run against a backend through the real engine: how every backend in this repository,
 * and a third party's, proves it behaves like the others. A scenario that needs a capability the backend does not
 * declare is skipped, and the skip is printed with its reason.
 */
export function describeBackendConformance(options: ConformanceOptions): void {
  const backend = options.create();
  const shell = options.shell ?? 'sh';
  // Each hook and test gets the limit itself: the `jest` object is no global where the suite runs as an ES module
  // (a consumer's jest with --experimental-vm-modules), only describe, it and expect are.
  const timeout = options.timeoutMs ?? 120_000;
  describe(`backend conformance: ${options.name}`, () => {
    let workRoot: string;
    let engine: TaskEngine;

    beforeAll(async () => {
      workRoot = await mkdtemp(join(tmpdir(), `capstan-conformance-${options.name.replace(/[^A-Za-z0-9-]+/g, "-")}-`));
      const capacity = await backend.capacity();
      engine = new TaskEngine(new BackendRegistry([backend, ...(options.others ?? [])]), new ResourceLedger({ capacity: capacity.total, perTaskMax: capacity.perTaskMax }), new NameGenerator(), {
        ...DEFAULT_ENGINE_OPTIONS,
        shell,
        backend: backend.name,
        workRoot,
        cpuLimitBehavior: 'try_with_max',
        memoryLimitBehavior: 'try_with_max',
        usageIntervalMs: 500,
        ...options.engine,
      });
    }, timeout);
    afterAll(async () => {
      engine.close();
      await rm(workRoot, { recursive: true, force: true });
    }, timeout);

    const kit = (): ScenarioKit => ({
      backend,
      workRoot,
      run: async (task, signal, onEvent) => {
        const stream = onEvent ? engine.events() : undefined;
        const reading = stream
          ? (async () => {
              for await (const event of stream) onEvent?.(event);
            })()
          : undefined;
        try {
          return await engine.run(parseTask({ requirements: { container: options.image }, ...task }), signal ? { signal } : {});
        } finally {
          await stream?.return?.();
          await reading;
        }
      },
      stdoutOf: (result, attempt = result.attempts.length) => readFile(join(result.folder, 'attempts', String(attempt), 'stdout'), 'utf8'),
    });

    for (const scenario of scenarios(options)) {
      // A capability is missing when it is false, absent, or (usage) declared unavailable.
      const declared = scenario.needs === undefined ? true : backend.capabilities[scenario.needs.capability];
      const missing = declared === false || declared === undefined || declared === 'unavailable';
      if (missing && scenario.needs) {
        const reason = `the ${options.name} backend does not declare ${scenario.needs.capability} (${scenario.needs.because})`;
        process.stderr.write(`conformance ${options.name}: skipping "${scenario.title}": ${reason}\n`);
        it.skip(`${scenario.title} [skipped: ${reason}]`, () => undefined);
      } else {
        it(scenario.title, () => scenario.run(kit()), timeout);
      }
    }
  });
}

/** The task root the command sees: /mnt/task in a container, the attempt folder on the host. */
const TASK_ROOT = '${CAPSTAN_TASK_ROOT:-/mnt/task}';

function scenarios(options: ConformanceOptions): Scenario[] {
  return [
    {
      title: 'runs a command to success and collects its outputs',
      run: async ({ run, stdoutOf }) => {
        const result = await run({ name: 'success', command: 'echo hello; echo world > out.txt', outputs: ['out.txt'] });
        expect(result).toMatchObject({ state: 'succeeded', exitCode: 0, endReason: 'exited' });
        expect(await stdoutOf(result)).toBe('hello\n');
        expect(result.outputs.map((file) => [file.path, file.sizeBytes])).toEqual([['out.txt', 6]]);
      },
    },
    {
      title: 'reports exit codes and honours return_codes',
      run: async ({ run }) => {
        expect(await run({ name: 'exit-3', command: 'exit 3' })).toMatchObject({ state: 'failed', exitCode: 3, endReason: 'exited' });
        expect(await run({ name: 'exit-3-ok', command: 'exit 3', requirements: { container: options.image, return_codes: [0, 3] } })).toMatchObject({ state: 'succeeded', exitCode: 3 });
      },
    },
    {
      title: "retries up to max_retries, each attempt in its own folder, and reports each attempt's start once while it runs",
      run: async ({ run, stdoutOf }) => {
        // `started` is what a TES server turns into RUNNING and an executor's start time: exactly one per attempt,
        // after the engine began the attempt and before it ended. The first attempt runs a second, so a start
        // reported only at its end is seen as one.
        const seen: string[] = [];
        const command = 'echo try; [ "$CAPSTAN_ATTEMPT" != 1 ] || sleep 1; exit 5';
        const result = await run({ name: 'retry', command, requirements: { container: options.image, max_retries: 2 } }, undefined, (event) => {
          if (event.taskName !== 'retry') return;
          if (event.type === 'attempt-started' || event.type === 'attempt-ended') seen.push(`${event.type} ${event.attempt}@${Date.parse(event.time)}`);
          if (event.type === 'backend' && event.event.type === 'started') seen.push(`started@${Date.parse(event.time)}`);
        });
        expect(seen.map((entry) => entry.replace(/@\d+$/, ''))).toEqual([1, 2, 3].flatMap((n) => [`attempt-started ${n}`, 'started', `attempt-ended ${n}`]));
        const [, started = 0, ended = 0] = seen.map((entry) => Number(entry.split('@')[1]));
        expect(ended - started).toBeGreaterThanOrEqual(500);
        expect(result).toMatchObject({ state: 'failed', exitCode: 5 });
        expect(result.attempts.map((attempt) => attempt.folder.split('/').pop())).toEqual(['1', '2', '3']);
        expect(new Set(result.attempts.map((attempt) => attempt.attemptName)).size).toBe(3);
        for (const attempt of [1, 2, 3]) expect(await stdoutOf(result, attempt)).toBe('try\n');
      },
    },
    {
      title: 'streams stdout and stderr to their files and as log events',
      run: async ({ run, stdoutOf }) => {
        const logs: string[] = [];
        const result = await run({ name: 'streams', command: 'echo out; echo err >&2' }, undefined, (event) => {
          if (event.type === 'backend' && event.event.type === 'log') logs.push(`${event.event.stream}:${event.event.text}`);
        });
        expect(result.state).toBe('succeeded');
        expect(await stdoutOf(result)).toBe('out\n');
        expect(await readFile(join(result.folder, 'attempts', '1', 'stderr'), 'utf8')).toBe('err\n');
        expect(logs.join('')).toContain('stdout:out');
        expect(logs.join('')).toContain('stderr:err');
      },
    },
    {
      title: "passes the task's env, and nothing of Capstan's own environment",
      run: async ({ run, stdoutOf }) => {
        process.env['CAPSTAN_CONFORMANCE_SECRET'] = 'must-not-leak';
        try {
          const result = await run({ name: 'env', command: 'printf "%s|%s|%s" "$GREETING" "$NUMBER" "${CAPSTAN_CONFORMANCE_SECRET:-unset}"', env: { GREETING: 'hello world', NUMBER: 42 } });
          expect(await stdoutOf(result)).toBe('hello world|42|unset');
        } finally {
          delete process.env['CAPSTAN_CONFORMANCE_SECRET'];
        }
      },
    },
    {
      title: 'makes inputs readable at their declared paths',
      run: async ({ run, stdoutOf, workRoot }) => {
        const source = join(workRoot, 'readable.txt');
        await writeFile(source, 'input content\n');
        const result = await run({ name: 'inputs', command: `cat "${TASK_ROOT}/inputs/readable.txt"`, inputs: [{ source }] });
        expect(result.state).toBe('succeeded');
        expect(await stdoutOf(result)).toBe('input content\n');
      },
    },
    {
      title: 'keeps inputs read-only: a write fails and the host file is unchanged',
      needs: { capability: 'readOnlyInputs', because: 'inputs are the host files themselves' },
      run: async ({ run, stdoutOf, workRoot }) => {
        const source = join(workRoot, 'read-only.txt');
        await writeFile(source, 'original\n');
        const command = `if echo changed >> "${TASK_ROOT}/inputs/read-only.txt" 2>/dev/null; then echo writable; else echo read-only; fi`;
        const result = await run({ name: 'read-only', command, inputs: [{ source }] });
        expect(await stdoutOf(result)).toBe('read-only\n');
        expect(await readFile(source, 'utf8')).toBe('original\n');
      },
    },
    {
      title: 'leaves outputs owned by the user who runs Capstan',
      run: async ({ run }) => {
        const result = await run({ name: 'owner', command: 'mkdir -p sub && echo x > sub/file && echo y > top' });
        const work = join(result.folder, 'attempts', '1', 'work');
        const owners = await Promise.all(['sub', 'sub/file', 'top'].map(async (path) => (await stat(join(work, path))).uid));
        expect(new Set(owners)).toEqual(new Set([process.getuid?.() ?? 0]));
      },
    },
    {
      title: 'ends a task over its memory limit with end reason oom',
      needs: { capability: 'enforcesMemoryLimit', because: 'nothing stops the task from using more' },
      run: async ({ run }) => {
        const task = { name: 'oom', command: 'x=$(head -c 200000000 /dev/zero | tr "\\0" a); echo survived', requirements: { container: options.image, memory: '16 MiB' }, hints: { max_memory: '32 MiB' } };
        expect(await run(task)).toMatchObject({ state: 'failed', endReason: 'oom' });
      },
    },
    {
      title: 'cancels a running task and leaves nothing running',
      run: async ({ run, backend }) => {
        const marker = 300_000 + Math.floor(Math.random() * 600_000);
        const controller = new AbortController();
        let runId = '';
        const running = run({ name: 'cancel', command: `sleep ${marker}` }, controller.signal, (event) => {
          runId = event.runId;
        });
        await until(() => sleeping(marker), 60_000, 'the task to start', 100);
        controller.abort();
        expect(await running).toMatchObject({ state: 'canceled', endReason: 'canceled' });
        expect(sleeping(marker)).toBe(false);
        if (backend.listManaged) expect(await backend.listManaged({ [CapstanLabel.RunId]: runId })).toEqual([]);
      },
    },
    {
      title: 'ends a task past its timeout with end reason timeout',
      run: async ({ run }) => {
        const started = Date.now();
        const result = await run({ name: 'timeout', command: 'sleep 60', hints: { timeout: '1s' } });
        expect(result).toMatchObject({ state: 'failed', endReason: 'timeout' });
        expect(Date.now() - started).toBeLessThan(30_000);
      },
    },
    {
      title: 'fails a task whose image does not exist, naming the image',
      needs: { capability: 'runsContainers', because: 'it runs no images' },
      run: async ({ run }) => {
        const missing = options.missingImage ?? 'capstan-conformance/missing:1';
        const result = await run({ name: 'missing-image', command: 'true', requirements: { container: missing } });
        expect(['error', 'failed']).toContain(result.state);
        const said = [result.error?.message, ...result.attempts.map((attempt) => attempt.message)].join(' ');
        expect(said).toContain(missing.replace(/^docker:\/\//, ''));
      },
    },
    {
      title: 'captures big output whole',
      run: async ({ run, stdoutOf }) => {
        const bytes = 20_000_000;
        const result = await run({ name: 'big-output', command: `head -c ${bytes} /dev/zero | tr "\\0" a` });
        expect(result.state).toBe('succeeded');
        const size = (await stat(join(result.folder, 'attempts', '1', 'stdout'))).size;
        expect(size).toBe(bytes);
        expect((await stdoutOf(result)).slice(0, 5)).toBe('aaaaa');
      },
    },
    ...usageScenarios(options.image),
  ];
}

/** Whether a `sleep MARKER` process runs anywhere on this host (containers' processes are the host's too). */
function sleeping(marker: number): boolean {
  const processes = execFileSync('ps', ['-eo', 'stat=,args='], { encoding: 'utf8' });
  return processes.split('\n').some((line) => !line.trim().startsWith('Z') && line.includes(`sleep ${marker}`));
}
