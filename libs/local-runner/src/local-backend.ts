import {
  type Backend,
  type BackendCapabilities,
  type BackendCapacity,
  type BackendEvent,
  type BackendProbe,
  type ExecutionRequest,
  type ExecutionResult,
  TASK_ROOT_VARIABLE,
} from '@capstan/core-constraints';
import { runProcessGroup } from '@capstan/process-kit';
import { processGroupUsageReader } from '@capstan/process-kit/internal';
import { assertInputExists, meterAttempt, type UsageMeter } from '@capstan/support';
import { mkdir, symlink } from 'node:fs/promises';
import { availableParallelism, release, totalmem, type } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { type z } from 'zod';
import { type LocalBackendOptions, localBackendOptionsSchema } from './local-backend-options';

export interface HostResources {
  readonly cpus: number;
  readonly memoryBytes: number;
}


/** The guest folder that the attempt folder stands in for on the host. */
const GUEST_TASK_ROOT = '/mnt/task';


/**
 * Runs the task's command on the host, with no container, in the attempt's work folder. The attempt folder plays
 * the part of `/mnt/task`: inputs declared under `/mnt/task/...` appear as symlinks at the same place below it, and
 * `CAPSTAN_TASK_ROOT` names it. Nothing is isolated or limited; the resource manager still accounts for cpu and
 * memory so the host is not overloaded.
 */
export class LocalBackend implements Backend {
  readonly name = 'local';
  readonly capabilities: BackendCapabilities = {
    // Like WDL engines' local backends, it takes any task and says plainly that the container is not used.
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
    // From /proc, for the attempt's process group, while it runs (approximate: see processGroupUsageReader).
    usage: 'sampled',
  };

  private readonly options: z.output<typeof localBackendOptionsSchema>;

  constructor(
    options: LocalBackendOptions = {},
    private readonly host: HostResources = { cpus: availableParallelism(), memoryBytes: totalmem() },
    private readonly environment: NodeJS.ProcessEnv = process.env,
  ) {
    this.options = localBackendOptionsSchema.parse(options);
  }

  probe(): Promise<BackendProbe> {
    return Promise.resolve({
      available: true,
      version: `${type()} ${release()}, node ${process.version}`,
      problems: [],
      details: { cpus: this.host.cpus, memoryBytes: this.host.memoryBytes },
    });
  }

  capacity(): Promise<BackendCapacity> {
    const amounts = { cpu: this.host.cpus, memory: this.host.memoryBytes, gpu: 0 };
    return Promise.resolve({ total: amounts, perTaskMax: amounts, fpga: 0, containerKinds: this.capabilities.containerKinds });
  }

  async execute(request: ExecutionRequest, signal: AbortSignal, emit: (event: BackendEvent) => void): Promise<ExecutionResult> {
    await this.placeInputs(request, emit);
    let meter: UsageMeter | undefined;
    const outcome = await runProcessGroup(
      {
        program: request.shell,
        args: [request.paths.commandFile],
        cwd: request.paths.workDir,
        env: { ...this.passedEnvironment(), ...request.env, [TASK_ROOT_VARIABLE]: request.paths.root },
        stdoutFile: request.paths.stdoutFile,
        stderrFile: request.paths.stderrFile,
        graceMs: this.options.graceSeconds * 1000,
        ...(request.timeoutMs === undefined ? {} : { timeoutMs: request.timeoutMs }),
        ...(request.stopNow === undefined ? {} : { stopNow: request.stopNow }),
        onSpawn: (pid) => {
          // The contract's `started`: without it a TES server keeps the task INITIALIZING until it ends.
          emit({ type: 'started', id: request.attemptName });
          meter = meterAttempt(processGroupUsageReader(pid), request.usageIntervalMs, emit);
        },
      },
      signal,
      emit,
    );
    const usage = await meter?.stop();
    return {
      exitCode: outcome.exitCode,
      endReason: outcome.endReason,
      ...(outcome.message === undefined ? {} : { message: outcome.message }),
      startedAt: outcome.startedAt,
      endedAt: outcome.endedAt,
      ...(usage === undefined ? {} : { usage }),
    };
  }

  private passedEnvironment(): Record<string, string> {
    const names = this.options.passEnv;
    return Object.fromEntries(names.flatMap((name) => (this.environment[name] === undefined ? [] : [[name, this.environment[name]]])));
  }

  /** Inputs under /mnt/task become symlinks below the attempt folder; others cannot be placed without a container. */
  private async placeInputs(request: ExecutionRequest, emit: (event: BackendEvent) => void): Promise<void> {
    for (const [index, input] of request.inputs.entries()) {
      await assertInputExists(input, index);
      const relative = posix.relative(GUEST_TASK_ROOT, input.guestPath);
      if (relative.startsWith('..') || relative === '') {
        emit({
          type: 'warning',
          message: `input ${input.hostPath} is declared at ${input.guestPath}, outside ${GUEST_TASK_ROOT}; the local backend has no container to place it there, so the command must use the host path`,
        });
        continue;
      }
      const link = join(request.paths.root, relative);
      await mkdir(dirname(link), { recursive: true });
      await symlink(input.hostPath, link);
    }
  }
}
