import { type BackendEvent, CapstanError, type DiskFolder, ErrorCode, type ExecutionRequest, type ExecutionResult, planDiskFolders, createDiskFolders } from '@capstan/core-constraints';
import { assertInputsExist, canceledBeforeStart } from '@capstan/support';
import { runAttemptContainer } from './attempt-container';
import { memoryLimitBytes, type MemoryLimitSource } from './attempt-container-spec';
import { type ContainerCreateSpec, type DockerClient } from './docker-client';
import { livenessOf } from './engine-options';
import { type ImageResolver, type PullPolicy, type ResolvedImage } from './image-resolver';

/** The image candidates a backend may run, in order, and those it refused before resolving, with why. */
export interface ImageCandidates {
  readonly usable: readonly string[];
  readonly refused: ReadonlyArray<{ readonly reference: string; readonly reason: string }>;
  /** A warning for when `reference` is the image chosen (how a name was read), or undefined. */
  readonly noteOn?: (reference: string) => string | undefined;
}

/** An attempt whose image, folders and memory limit are settled, ready to run. */
export interface ReadyAttempt<Context> {
  readonly context: Context;
  readonly image: ResolvedImage;
  readonly disks: readonly DiskFolder[];
  /** The hard memory limit in bytes (0: none), at least what the runtime accepts. */
  readonly limit: number;
  /** Runs `spec` as the attempt's container, to its end and removal, with the backend's options. */
  readonly runContainer: (spec: ContainerCreateSpec) => Promise<ExecutionResult>;
}

/** The options every Docker-API backend has that the pipeline reads. */
export interface PipelineOptions {
  readonly pullPolicy: PullPolicy;
  readonly memoryLimit: MemoryLimitSource;
  readonly graceSeconds: number;
  readonly keepFailedContainers: boolean;
  readonly livenessIntervalSeconds: number;
  readonly livenessTimeoutSeconds: number;
  readonly livenessFailures: number;
}

/**
 * What differs between the backends that run an attempt through a Docker-compatible API (Docker, Podman); the rest
 * of an attempt is {@link runAttemptPipeline}'s, the same for each.
 */
export interface AttemptPipeline<Context> {
  /** The runtime, as messages name it: "Docker", "Podman". */
  readonly runtime: string;
  readonly client: DockerClient;
  readonly options: PipelineOptions;
  readonly resolver: () => ImageResolver;
  /** What must be known or refused before anything is created (the daemon's facts or mode, the binds it will see). */
  readonly prepare: (disks: readonly DiskFolder[], signal: AbortSignal) => Promise<Context>;
  /** The task's docker image references as this runtime may use them. */
  readonly candidates: (references: readonly string[], context: Context, signal: AbortSignal) => Promise<ImageCandidates>;
  /** Lets the task's user write its folders (work folder and disks). */
  readonly grantAccess: (folders: readonly string[], image: ResolvedImage, context: Context) => Promise<void>;
  /** Runs the attempt (a container through `ready.runContainer`, or something of the backend's own). */
  readonly run: (ready: ReadyAttempt<Context>) => Promise<ExecutionResult>;
}

/**
 * One attempt on a Docker-API runtime: inputs checked, the backend's preparation, the image resolved (pulled under the
 * pull policy, with progress events), disk folders made and granted, the memory limit settled, then the run. A cancel
 * before the container starts ends the attempt `canceled` without creating anything.
 */
export async function runAttemptPipeline<Context>(
  pipeline: AttemptPipeline<Context>,
  request: ExecutionRequest,
  signal: AbortSignal,
  emit: (event: BackendEvent) => void,
): Promise<ExecutionResult> {
  await assertInputsExist(request);
  if (signal.aborted) return canceledBeforeStart('the container started');
  const disks = planDiskFolders(request.paths.root, request.constraints.disks);
  const context = await pipeline.prepare(disks, signal);
  let image: ResolvedImage;
  let note: string | undefined;
  try {
    const docker = request.constraints.containers.filter((source) => source.kind === 'docker').map((source) => source.reference);
    const { usable, refused, noteOn } = await pipeline.candidates(docker, context, signal);
    image = await pipeline.resolver().resolve(usable, {
      policy: pipeline.options.pullPolicy,
      signal,
      onPulling: (reference, bytes) => emit({ type: 'pulling', image: reference, ...bytes }),
      onPulled: (reference, ms) => emit({ type: 'pulled', image: reference, ms }),
      skipped: [
        ...refused,
        ...request.constraints.containers
          .filter((source) => source.kind !== 'docker')
          .map((source) => ({ reference: source.uri, reason: `a ${source.kind} image, which ${pipeline.runtime} cannot run` })),
        ...request.constraints.skippedContainers.map((skipped) => ({ reference: skipped.uri, reason: skipped.reason })),
      ],
    });
    note = noteOn?.(image.reference);
  } catch (error) {
    if (error instanceof CapstanError && error.code === ErrorCode.Canceled) return canceledBeforeStart('the container started');
    throw error;
  }
  if (note !== undefined) emit({ type: 'warning', message: note });
  await createDiskFolders(disks);
  await pipeline.grantAccess([request.paths.workDir, ...disks.map((disk) => disk.hostPath)], image, context);
  const limit = memoryLimitBytes(request, pipeline.options.memoryLimit);
  const wanted = request.constraints.memoryLimit ?? (pipeline.options.memoryLimit === 'request' ? request.constraints.memory : 0);
  if (limit !== wanted) emit({ type: 'warning', message: `the memory limit was raised from ${wanted} to ${limit} bytes, the smallest ${pipeline.runtime} accepts` });
  const { client, options } = pipeline;
  const runContainer = (spec: ContainerCreateSpec): Promise<ExecutionResult> =>
    runAttemptContainer({
      client,
      spec,
      paths: request.paths,
      timeoutMs: request.timeoutMs,
      graceSeconds: options.graceSeconds,
      keepFailedContainers: options.keepFailedContainers,
      liveness: livenessOf(options),
      signal,
      stopNow: request.stopNow,
      emit,
      beforeRemoval: request.beforeRemoval,
      usageIntervalMs: request.usageIntervalMs,
    });
  return pipeline.run({ context, image, disks, limit, runContainer });
}
