// A third party's backend, in its own project: it depends only on Capstan's published contracts
// (@capstan/core-constraints) and a backend kit (@capstan/process-kit), installed from npm like any package. It is
// shipped as a plugin: the module's `plugin` (and default) export, which `plugins:` in capstan.yaml loads.
//
// "nice" runs each task's command on the host at a lower CPU priority (nice 10), so batch tasks yield to
// interactive work. It is small on purpose: the contract, capabilities declared honestly, and an options schema.
import {
  type Backend,
  type BackendCapabilities,
  type BackendCapacity,
  type BackendEvent,
  type BackendProbe,
  type ExecutionRequest,
  type ExecutionResult,
  defineBackendPlugin,
  registerBackend,
} from '@capstan/core-constraints';
import { runProcessGroup } from '@capstan/process-kit';
import { mkdir, symlink } from 'node:fs/promises';
import { availableParallelism, totalmem } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { z } from 'zod';

export const niceBackendOptionsSchema = z.strictObject({
  /** The niceness tasks run at (0 = normal, 19 = lowest priority). */
  niceness: z.number().int().min(0).max(19).default(10),
  graceSeconds: z.number().nonnegative().default(5),
});

export type NiceBackendOptions = z.input<typeof niceBackendOptionsSchema>;

export class NiceBackend implements Backend {
  readonly name = 'nice';
  // Declared honestly: the conformance suite skips what a backend says it cannot do, and the engine warns or refuses.
  readonly capabilities: BackendCapabilities = {
    containerKinds: ['any', 'docker', 'library', 'oras', 'sif'],
    runsContainers: false,
    enforcesMemoryLimit: false,
    enforcesCpuLimit: false,
    gpus: false,
    readOnlyInputs: false,
    networkIsolation: false,
    runsAsInvokingUser: true,
    enforcesDiskSize: false,
    schedulesItself: false,
  };
  private readonly options: z.output<typeof niceBackendOptionsSchema>;

  constructor(options: NiceBackendOptions = {}) {
    this.options = niceBackendOptionsSchema.parse(options);
  }

  probe(): Promise<BackendProbe> {
    return Promise.resolve({ available: true, version: `nice ${this.options.niceness}`, problems: [], details: {} });
  }

  capacity(): Promise<BackendCapacity> {
    const amounts = { cpu: availableParallelism(), memory: totalmem(), gpu: 0 };
    return Promise.resolve({ total: amounts, perTaskMax: amounts, fpga: 0, containerKinds: this.capabilities.containerKinds });
  }

  async execute(request: ExecutionRequest, signal: AbortSignal, emit: (event: BackendEvent) => void): Promise<ExecutionResult> {
    // Like Capstan's local backend: the attempt folder stands in for /mnt/task, so inputs declared below it are linked there.
    for (const input of request.inputs) {
      const relative = posix.relative('/mnt/task', input.guestPath);
      if (relative === '' || relative.startsWith('..')) {
        emit({ type: 'warning', message: `input ${input.hostPath} stays at its host path (declared at ${input.guestPath})` });
        continue;
      }
      await mkdir(dirname(join(request.paths.root, relative)), { recursive: true });
      await symlink(input.hostPath, join(request.paths.root, relative));
    }
    const outcome = await runProcessGroup(
      {
        program: 'nice',
        args: ['-n', String(this.options.niceness), request.shell, request.paths.commandFile],
        cwd: request.paths.workDir,
        env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...request.env, CAPSTAN_TASK_ROOT: request.paths.root },
        stdoutFile: request.paths.stdoutFile,
        stderrFile: request.paths.stderrFile,
        graceMs: this.options.graceSeconds * 1000,
        ...(request.timeoutMs === undefined ? {} : { timeoutMs: request.timeoutMs }),
        ...(request.stopNow === undefined ? {} : { stopNow: request.stopNow }),
        // Every backend says when the command began: a TES server's RUNNING state and start times come from it.
        onSpawn: () => emit({ type: 'started', id: request.attemptName }),
      },
      signal,
      emit,
    );
    return {
      exitCode: outcome.exitCode,
      endReason: outcome.endReason,
      ...(outcome.message === undefined ? {} : { message: outcome.message }),
      startedAt: outcome.startedAt,
      endedAt: outcome.endedAt,
    };
  }
}

/**
 * The plugin: `backend: nice` selects it, the `nice:` section is validated with the schema, and `register` receives
 * the validated options, typed from the schema. A heavier backend would `await import('./its-module.js')` inside
 * register, so commands that do not run it never load it.
 */
export const plugin = defineBackendPlugin({
  name: 'nice',
  optionsSchema: niceBackendOptionsSchema,
  register: (container, options) => registerBackend(container, () => new NiceBackend(options)),
});

export default plugin;
