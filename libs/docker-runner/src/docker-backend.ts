import {
  type Backend,
  type BackendCapabilities,
  type BackendCapacity,
  type BackendEvent,
  type BackendProbe,
  CapstanError,
  ErrorCode,
  type ExecutionRequest,
  type ExecutionResult,
  type FileOwner,
  type ManagedResource,
} from '@capstan/core-constraints';
import {
  assertInputsExist,
  containerUser,
  countNvidiaDevices,
  createDiskFolders,
  type DaemonFacts,
  DockerClient,
  type GpuCounter,
  grantFolderAccess,
  type HostIdentity,
  ImagePuller,
  ImageResolver,
  invokingIdentity,
  memoryLimitBytes,
  planDiskFolders,
  probeDaemon,
  RegistryCredentials,
  repairOwnership,
  runAttemptContainer,
} from '@capstan/docker-api';
import { buildContainerSpec } from './container-spec';
import { DOCKER_CAPABILITIES } from './docker-capabilities';
import { type DockerBackendOptions, type DockerBackendOptionsInput, parseDockerBackendOptions } from './docker-backend-options';

/** How long the daemon's cpu/memory answer is reused by `capacity()`. */
const FACTS_TTL_MS = 30_000;

/** What tests (or a host application) may hand in instead of the defaults. */
export interface DockerBackendDependencies {
  readonly client?: DockerClient;
  readonly invoking?: HostIdentity;
  readonly countGpus?: GpuCounter;
}

/**
 * Runs each attempt in its own Docker container (see the README for the container's layout, limits and user). Talks
 * to the daemon through `@capstan/docker-api`: retries, one pull per image, registry credentials, typed errors.
 */
export class DockerBackend implements Backend {
  readonly name = 'docker';
  readonly capabilities: BackendCapabilities = DOCKER_CAPABILITIES;
  readonly options: DockerBackendOptions;
  readonly client: DockerClient;
  private readonly invoking: HostIdentity;
  private readonly countGpus: GpuCounter;
  private resolver: ImageResolver | undefined;
  private facts: { readonly at: number; readonly value: Promise<DaemonFacts> } | undefined;

  constructor(
    options: DockerBackendOptionsInput = {},
    private readonly environment: NodeJS.ProcessEnv = process.env,
    dependencies: DockerBackendDependencies = {},
  ) {
    this.options = parseDockerBackendOptions(options);
    this.client =
      dependencies.client ??
      new DockerClient({ ...(this.options.host === undefined ? {} : { host: this.options.host }), ...(this.options.socketPath === undefined ? {} : { socketPath: this.options.socketPath }) }, environment);
    this.invoking = dependencies.invoking ?? invokingIdentity();
    this.countGpus = dependencies.countGpus ?? countNvidiaDevices;
  }

  async probe(signal?: AbortSignal): Promise<BackendProbe> {
    try {
      const facts = await this.daemonFacts(signal, true);
      return {
        available: true,
        version: facts.version,
        problems: [],
        details: {
          endpoint: facts.endpoint,
          cpus: facts.cpus,
          memoryBytes: facts.memoryBytes,
          gpus: facts.gpus,
          nvidiaRuntime: facts.nvidiaRuntime,
          swarm: facts.swarm,
          cgroupVersion: facts.cgroupVersion,
          cgroupDriver: facts.cgroupDriver,
          operatingSystem: facts.operatingSystem,
        },
      };
    } catch (error) {
      return { available: false, problems: [(error as Error).message], details: { endpoint: this.client.endpoint.description } };
    }
  }

  async capacity(signal?: AbortSignal): Promise<BackendCapacity> {
    const facts = await this.daemonFacts(signal, false);
    const amounts = { cpu: facts.cpus, memory: facts.memoryBytes, gpu: facts.gpus };
    return { total: amounts, perTaskMax: amounts, fpga: 0, containerKinds: this.capabilities.containerKinds };
  }

  async execute(request: ExecutionRequest, signal: AbortSignal, emit: (event: BackendEvent) => void): Promise<ExecutionResult> {
    await assertInputsExist(request);
    const canceled = (): ExecutionResult => ({ exitCode: null, endReason: 'canceled', message: 'canceled before the container started', startedAt: new Date(), endedAt: new Date() });
    if (signal.aborted) return canceled();
    let image;
    try {
      image = await this.imageResolver().resolve(
        request.constraints.containers.filter((source) => source.kind === 'docker').map((source) => source.reference),
        {
          policy: this.options.pullPolicy,
          signal,
          onPulling: (reference, bytes) => emit({ type: 'pulling', image: reference, ...bytes }),
          onPulled: (reference, ms) => emit({ type: 'pulled', image: reference, ms }),
          skipped: [
            ...request.constraints.containers.filter((source) => source.kind !== 'docker').map((source) => ({ reference: source.uri, reason: `a ${source.kind} image, which Docker cannot run` })),
            ...request.constraints.skippedContainers.map((skipped) => ({ reference: skipped.uri, reason: skipped.reason })),
          ],
        },
      );
    } catch (error) {
      if (error instanceof CapstanError && error.code === ErrorCode.Canceled) return canceled();
      throw error;
    }

    const disks = planDiskFolders(request.paths.root, request.constraints.disks);
    await createDiskFolders(disks);
    const user = containerUser(this.options.user, this.invoking);
    await grantFolderAccess([request.paths.workDir, ...disks.map((disk) => disk.hostPath)], user, image.details.user, this.invoking);
    const limit = memoryLimitBytes(request, this.options.memoryLimit);
    const wanted = request.constraints.memoryLimit ?? (this.options.memoryLimit === 'request' ? request.constraints.memory : 0);
    if (limit !== wanted) emit({ type: 'warning', message: `the memory limit was raised from ${wanted} to ${limit} bytes, the smallest Docker accepts` });
    return runAttemptContainer({
      client: this.client,
      spec: buildContainerSpec({ request, image: image.reference, options: this.options, user, disks }),
      paths: request.paths,
      timeoutMs: request.timeoutMs,
      graceSeconds: this.options.graceSeconds,
      keepFailedContainers: this.options.keepFailedContainers,
      signal,
      stopNow: request.stopNow,
      emit,
    });
  }

  async listManaged(selector: Readonly<Record<string, string>>, signal?: AbortSignal): Promise<ManagedResource[]> {
    const containers = await this.client.listContainers(selector, signal);
    return containers.map(({ id, name, labels, state }) => ({ id, name, labels, state }));
  }

  async removeManaged(resource: ManagedResource): Promise<void> {
    await this.client.removeContainer(resource.id, true);
  }

  repairOwnership(folder: string, owner: FileOwner, request: ExecutionRequest, signal?: AbortSignal): Promise<void> {
    const images = this.options.repairImage !== undefined
      ? [this.options.repairImage]
      : request.constraints.containers.filter((source) => source.kind === 'docker').map((source) => source.reference);
    return repairOwnership(this.client, images, folder, owner, request, signal);
  }

  private daemonFacts(signal: AbortSignal | undefined, fresh: boolean): Promise<DaemonFacts> {
    if (!fresh && this.facts !== undefined && Date.now() - this.facts.at < FACTS_TTL_MS) return this.facts.value;
    const value = probeDaemon(this.client, signal, this.countGpus);
    const entry = { at: Date.now(), value };
    this.facts = entry;
    // A failed probe is not reused: the next call asks the daemon again.
    value.catch(() => {
      if (this.facts === entry) this.facts = undefined;
    });
    return value;
  }

  /** Built on first use, so a broken ~/.docker/config.json fails the first pull, not the construction. */
  private imageResolver(): ImageResolver {
    if (this.resolver === undefined) {
      const credentials = RegistryCredentials.load(this.options.registries, this.environment);
      this.resolver = new ImageResolver(this.client, new ImagePuller(this.client, credentials), credentials);
    }
    return this.resolver;
  }
}
