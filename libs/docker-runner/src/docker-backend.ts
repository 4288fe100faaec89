import {
  type Backend,
  type BackendCapabilities,
  type BackendCapacity,
  type BackendEvent,
  type BackendProbe,
  type ExecutionRequest,
  type ExecutionResult,
  type FileOwner,
  type ManagedResource,
  type ReattachStreams,
} from '@capstan/core-constraints';
import { containerUser, type HostIdentity, invokingIdentity } from '@capstan/docker-api';
import {
  type AttemptBind,
  attemptBinds,
  type ContainerEnvironment,
  type DaemonFacts,
  daemonFactsCache,
  type DockerClient,
  grantFolderAccess,
  HostPathDockerClient,
  HostPathResolver,
  ImagePuller,
  ImageResolver,
  knowDaemonCgroups,
  livenessOf,
  probeDaemon,
  reattachAttemptContainer,
  RegistryCredentials,
  repairOwnership,
  runAttemptPipeline,
  toHostPaths,
} from '@capstan/docker-api/internal';
import { CachedProbe, countNvidiaDevices, DiskCache, type GpuCounter } from '@capstan/support';
import { buildContainerSpec } from './container-spec';
import { DOCKER_CAPABILITIES, SWARM_CAPABILITIES } from './docker-capabilities';
import { type DockerBackendOptions, type DockerBackendOptionsInput, parseDockerBackendOptions } from './docker-backend-options';
import { assertUnderSharedRoot } from './shared-root';
import { assertSwarmNetwork } from './swarm/service-spec';
import { chooseExecutionMode, type ExecutionMode, readSwarmMembership, type SwarmMembership } from './swarm/swarm-mode';
import { isContainerId, SwarmRunner } from './swarm/swarm-runner';

/** How long the daemon's cpu/memory answer is reused by `capacity()`. */
const FACTS_TTL_MS = 30_000;

/** What tests (or a host application) may hand in instead of the defaults. */
export interface DockerBackendDependencies {
  readonly client?: DockerClient;
  readonly invoking?: HostIdentity;
  readonly countGpus?: GpuCounter;
  /** What Capstan sees of the container it may run in (sibling containers); default: the real /proc and marker files. */
  readonly containerEnvironment?: () => ContainerEnvironment;
  /** The daemon's facts kept between processes; default: the user's cache folder for a unix socket, none otherwise. */
  readonly factsCache?: DiskCache<DaemonFacts> | null;
}

/** What an attempt needs to know before its image is resolved. */
interface DockerAttempt extends ModeDecision {
  /** Every bind as the daemon's host sees it. */
  readonly binds: readonly AttemptBind[];
  readonly user: string | undefined;
}

/** The mode attempts run in, decided once per backend (on first use), and this daemon's place in its swarm. */
interface ModeDecision {
  readonly mode: ExecutionMode;
  readonly membership: SwarmMembership;
}

/**
 * Runs each attempt in its own Docker container, or as a one-replica swarm service in swarm mode (see the README for
 * the layout, limits and user). Talks to the daemon through `@capstan/docker-api`: retries, one pull per image,
 * registry credentials, typed errors, and bind sources as the daemon's host sees them (sibling containers).
 */
export class DockerBackend implements Backend {
  readonly name = 'docker';
  readonly options: DockerBackendOptions;
  readonly client: DockerClient;
  /** How the daemon's host sees Capstan's paths (the same, or through Capstan's own container's mounts). */
  readonly hostPaths: HostPathResolver;
  readonly swarm: SwarmRunner;
  private readonly invoking: HostIdentity;
  private readonly countGpus: GpuCounter;
  private resolver: ImageResolver | undefined;
  private credentials: RegistryCredentials | undefined;
  private readonly facts = new CachedProbe<DaemonFacts>(FACTS_TTL_MS);
  private readonly factsCache: DiskCache<DaemonFacts> | null;
  /** The disk is read by this process's first `capacity()` only: a long-lived one asks the daemon every FACTS_TTL_MS. */
  private factsReadFromDisk = false;
  private decision: Promise<ModeDecision> | undefined;
  private decidedMode: ExecutionMode | undefined;

  constructor(
    options: DockerBackendOptionsInput = {},
    private readonly environment: NodeJS.ProcessEnv = process.env,
    dependencies: DockerBackendDependencies = {},
  ) {
    this.options = parseDockerBackendOptions(options);
    const address = { ...(this.options.host === undefined ? {} : { host: this.options.host }), ...(this.options.socketPath === undefined ? {} : { socketPath: this.options.socketPath }) };
    this.client = dependencies.client ?? new HostPathDockerClient(address, environment, () => this.hostPaths.resolve());
    this.hostPaths = new HostPathResolver(this.client, { map: this.options.hostPathMap, option: 'docker.hostPathMap' }, dependencies.containerEnvironment);
    this.swarm = new SwarmRunner(this.client, this.options);
    this.invoking = dependencies.invoking ?? invokingIdentity();
    this.countGpus = dependencies.countGpus ?? (() => countNvidiaDevices());
    const endpoint = this.client.endpoint;
    this.factsCache =
      dependencies.factsCache !== undefined || dependencies.client !== undefined || endpoint.kind !== 'unix'
        ? (dependencies.factsCache ?? null)
        : daemonFactsCache(DiskCache.userFolder(environment), endpoint.socketPath);
  }

  /** Swarm mode's when `swarm` is on, or is auto and the daemon turned out to be a manager (known after first use). */
  get capabilities(): BackendCapabilities {
    const mode = this.options.swarm === 'on' ? 'services' : this.options.swarm === 'off' ? 'containers' : this.decidedMode;
    return mode === 'services' ? SWARM_CAPABILITIES : DOCKER_CAPABILITIES;
  }

  async probe(signal?: AbortSignal): Promise<BackendProbe> {
    try {
      const facts = await this.daemonFacts(signal, true);
      const { mode } = await this.executionMode(signal);
      const hostPaths = await this.hostPaths.resolve(signal);
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
          runsAs: mode === 'services' ? 'swarm services' : 'containers',
          hostPaths: hostPaths.describe(),
        },
      };
    } catch (error) {
      return { available: false, problems: [(error as Error).message], details: { endpoint: this.client.endpoint.description } };
    }
  }

  async capacity(signal?: AbortSignal): Promise<BackendCapacity> {
    if ((await this.executionMode(signal)).mode === 'services') return this.swarm.capacity(this.capabilities.containerKinds, signal);
    const facts = await this.daemonFacts(signal, false);
    const amounts = { cpu: facts.cpus, memory: facts.memoryBytes, gpu: facts.gpus };
    return { total: amounts, perTaskMax: amounts, fpga: 0, containerKinds: this.capabilities.containerKinds };
  }

  execute(request: ExecutionRequest, signal: AbortSignal, emit: (event: BackendEvent) => void): Promise<ExecutionResult> {
    return runAttemptPipeline<DockerAttempt>(
      {
        runtime: 'Docker',
        client: this.client,
        options: this.options,
        resolver: () => this.imageResolver(),
        prepare: async (disks) => {
          const { mode, membership } = await this.executionMode(signal);
          if (mode === 'services') assertSwarmNetwork(this.options.network);
          // Every bind as the daemon's host sees it, checked before anything is created (sibling containers, sharedRoot).
          const binds = await toHostPaths(await this.hostPaths.resolve(signal), attemptBinds(request.paths, request.inputs, disks));
          assertUnderSharedRoot(binds, this.options.sharedRoot);
          return { mode, membership, binds, user: containerUser(this.options.user, this.invoking) };
        },
        candidates: (references) => Promise.resolve({ usable: references, refused: [] }),
        grantAccess: (folders, image, { user }) => grantFolderAccess(folders, user, image.details.user, this.invoking),
        run: ({ context: { mode, membership, binds, user }, image, disks, runContainer }) => {
          if (mode === 'services') {
            return this.swarm.run({ request, image: image.reference, user, binds, localNodeId: membership.nodeId, credentials: this.registryCredentials(), signal, emit });
          }
          return runContainer(buildContainerSpec({ request, image: image.reference, options: this.options, user, disks }));
        },
      },
      request,
      signal,
      emit,
    );
  }

  /** Containers carrying every label of `selector`; in swarm mode also such services (state `service`). */
  async listManaged(selector: Readonly<Record<string, string>>, signal?: AbortSignal): Promise<ManagedResource[]> {
    const containers = await this.client.listContainers(selector, signal);
    const services = (await this.executionMode(signal)).mode === 'services' ? await this.swarm.listManaged(selector, signal) : [];
    return [...containers.map(({ id, name, labels, state }) => ({ id, name, labels, state })), ...services];
  }

  reattach(resource: ManagedResource, streams: ReattachStreams, signal: AbortSignal): Promise<ExecutionResult> {
    return reattachAttemptContainer(this.client, resource, streams, this.options.graceSeconds, signal, livenessOf(this.options));
  }

  async removeManaged(resource: ManagedResource): Promise<void> {
    if (isContainerId(resource.id)) await this.client.removeContainer(resource.id, true);
    else await this.swarm.api.removeService(resource.id);
  }

  repairOwnership(folder: string, owner: FileOwner, request: ExecutionRequest, signal?: AbortSignal): Promise<void> {
    const images = this.options.repairImage !== undefined
      ? [this.options.repairImage]
      : request.constraints.containers.filter((source) => source.kind === 'docker').map((source) => source.reference);
    return repairOwnership(this.client, images, folder, owner, request, signal);
  }

  private daemonFacts(signal: AbortSignal | undefined, fresh: boolean): Promise<DaemonFacts> {
    // A probe (doctor, auto) asks the daemon; a task's path takes what an earlier process learnt, if still true.
    const cache = this.factsCache;
    const asked = async (): Promise<DaemonFacts> => {
      const facts = await probeDaemon(this.client, signal, this.countGpus);
      await cache?.write(facts); // a millisecond, and the next process can count on it
      return facts;
    };
    const told = (facts: DaemonFacts): DaemonFacts => {
      knowDaemonCgroups(this.client, facts);
      return facts;
    };
    if (fresh || cache === null || this.factsReadFromDisk) return this.facts.get(async () => told(await asked()), fresh);
    return this.facts.get(async () => {
      this.factsReadFromDisk = true;
      return told((await cache.read()) ?? (await asked()));
    });
  }

  /** Containers or services: `off` asks nothing; otherwise the daemon's swarm state decides, once (a failure is not kept). */
  private executionMode(signal?: AbortSignal): Promise<ModeDecision> {
    if (this.options.swarm === 'off') return Promise.resolve({ mode: 'containers', membership: { localNodeState: 'unknown', manager: false, nodeId: '' } });
    if (this.decision === undefined) {
      const decision = readSwarmMembership(this.client, signal).then((membership) => ({
        mode: chooseExecutionMode(this.options.swarm, membership, this.client.endpoint.description),
        membership,
      }));
      this.decision = decision;
      decision.then(
        ({ mode }) => (this.decidedMode = mode),
        () => {
          if (this.decision === decision) this.decision = undefined;
        },
      );
    }
    return this.decision;
  }

  /** Built on first use, so a broken ~/.docker/config.json fails the first pull, not the construction. */
  private imageResolver(): ImageResolver {
    if (this.resolver === undefined) {
      const credentials = this.registryCredentials();
      this.resolver = new ImageResolver(this.client, new ImagePuller(this.client, credentials), credentials);
    }
    return this.resolver;
  }

  private registryCredentials(): RegistryCredentials {
    this.credentials ??= RegistryCredentials.load(this.options.registries, this.environment);
    return this.credentials;
  }
}
