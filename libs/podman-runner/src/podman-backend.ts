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
  type ReattachStreams,
} from '@capstan/core-constraints';
import { containerUser, type HostIdentity, invokingIdentity } from '@capstan/docker-api';
import {
  DockerClient,
  effectiveIdentity,
  grantFolderAccessTo,
  ImagePuller,
  ImageResolver,
  knowDaemonCgroups,
  livenessOf,
  reattachAttemptContainer,
  RegistryCredentials,
  repairOwnership,
  runAttemptPipeline,
} from '@capstan/docker-api/internal';
import { CachedProbe } from '@capstan/support';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { buildPodmanContainerSpec } from './container-spec';
import { dockerHubForm, isFullyQualified, localForm, qualifyCandidates, shortNameReason } from './image-names';
import { type PodmanBackendOptions, type PodmanBackendOptionsInput, parsePodmanBackendOptions, type ShortNamePolicy } from './podman-backend-options';
import { podmanCapabilities } from './podman-capabilities';
import { PODMAN_SERVICE, podmanEndpointDefaults } from './podman-endpoint';
import { PodmanFactsCache } from './facts-cache';
import { type PodmanFacts, probePodman } from './podman-service';

/** How long the service's answer is reused by `capacity()` and `execute()`. */
const FACTS_TTL_MS = 30_000;
/** The exit code of a process killed with SIGKILL, which is what an OOM kill looks like when it is not reported. */
const SIGKILL_EXIT = 137;

/** What an attempt needs to know before its image is resolved. */
interface PodmanAttempt {
  readonly facts: PodmanFacts;
  readonly userns: 'keep-id' | undefined;
  readonly user: string | undefined;
}

/** What tests (or a host application) may hand in instead of the defaults. */
export interface PodmanBackendDependencies {
  readonly client?: DockerClient;
  readonly invoking?: HostIdentity;
  /** The facts kept between processes; by default in the user's cache for a unix socket, none with a given client. */
  readonly factsCache?: PodmanFactsCache | null;
}

/**
 * Runs each attempt in its own container on a Podman service (rootful or rootless `podman system service`), through
 * Podman's Docker-compatible API with `@capstan/docker-api`: the same retries, pulls, credentials, container
 * lifecycle and output capture as the docker backend. What is Podman's own: fully qualified image names only (or
 * explicitly qualified short names), keep-id under a rootless service, no GPUs, limits only where the service can
 * use the cgroup controllers, and a check that the service is Podman at all. See the README.
 */
export class PodmanBackend implements Backend {
  readonly name = 'podman';
  readonly options: PodmanBackendOptions;
  readonly client: DockerClient;
  private readonly invoking: HostIdentity;
  private resolver: ImageResolver | undefined;
  private readonly facts = new CachedProbe<PodmanFacts>(FACTS_TTL_MS);
  private readonly factsCache: PodmanFactsCache | null;
  private readonly guessedRootless: boolean;
  /** The short-name policy in force, and why (for the warning that names it). */
  private shortNames: { readonly policy: ShortNamePolicy; readonly because: string };

  constructor(
    options: PodmanBackendOptionsInput = {},
    private readonly environment: NodeJS.ProcessEnv = process.env,
    dependencies: PodmanBackendDependencies = {},
  ) {
    this.options = parsePodmanBackendOptions(options);
    this.shortNames = { policy: this.options.shortNames ?? 'refuse', because: `the podman backend's shortNames is ${this.options.shortNames ?? 'refuse'}` };
    this.invoking = dependencies.invoking ?? invokingIdentity();
    this.client =
      dependencies.client ??
      new DockerClient(
        {
          ...(this.options.host === undefined ? {} : { host: this.options.host }),
          ...(this.options.socketPath === undefined ? {} : { socketPath: this.options.socketPath }),
          daemon: PODMAN_SERVICE,
          endpointDefaults: podmanEndpointDefaults(environment, this.invoking.uid),
        },
        environment,
      );
    const endpoint = this.client.endpoint;
    this.factsCache =
      dependencies.factsCache !== undefined || dependencies.client !== undefined || endpoint.kind !== 'unix'
        ? (dependencies.factsCache ?? null)
        : PodmanFactsCache.inUserCache(environment, endpoint.socketPath);
    const runtimeDir = environment['XDG_RUNTIME_DIR'];
    this.guessedRootless =
      endpoint.kind === 'unix' && (endpoint.socketPath.startsWith('/run/user/') || (runtimeDir !== undefined && runtimeDir !== '' && endpoint.socketPath.startsWith(`${runtimeDir}/`)));
  }

  /**
   * Called by `backend: auto` when Docker did not answer and Podman runs the tasks instead: unless `shortNames` is
   * configured, short names are qualified as Docker would have read them (with a warning per task) rather than
   * refused, so that a task file written for Docker keeps its meaning. Returns whether the policy changed.
   */
  standInForDocker(): boolean {
    if (this.options.shortNames !== undefined) return false;
    this.shortNames = { policy: 'docker.io', because: 'auto chose Podman because Docker did not answer; set podman.shortNames to refuse or docker.io to decide' };
    return true;
  }

  /** From the service's own answer once it has been asked (probe, capacity, execute); until then from its address. */
  get capabilities(): BackendCapabilities {
    const known = this.facts.last;
    return podmanCapabilities(
      known === undefined ? { rootless: this.guessedRootless, cgroupControllers: null } : { rootless: known.rootless, cgroupControllers: known.cgroupControllers },
    );
  }

  async probe(signal?: AbortSignal): Promise<BackendProbe> {
    try {
      const facts = await this.serviceFacts(signal, true);
      return {
        available: true,
        version: facts.version,
        problems: [],
        details: {
          endpoint: facts.endpoint,
          rootless: facts.rootless,
          serviceUid: facts.serviceUid,
          cpus: facts.cpus,
          memoryBytes: facts.memoryBytes,
          gpus: 0,
          cgroupVersion: facts.cgroupVersion,
          cgroupManager: facts.cgroupManager,
          cgroupControllers: facts.cgroupControllers.join(',') || '(none)',
          ociRuntime: facts.ociRuntime,
          storageDriver: facts.storageDriver,
          conmon: facts.conmonPath,
          oomReported: facts.oomReported,
          ...(facts.oomReported
            ? {}
            : { oomNote: `Podman ${facts.podmanVersion} does not report OOM kills (podman#13102): an OOM kill ends as a plain exit 137; use Podman 5, or start conmon in the bundle folder (tools/engines/podman.sh)` }),
          userns: this.usernsFor(facts) ?? 'default',
          shortNames: this.shortNames.policy,
        },
      };
    } catch (error) {
      return { available: false, problems: [(error as Error).message], details: { endpoint: this.client.endpoint.description } };
    }
  }

  async capacity(signal?: AbortSignal): Promise<BackendCapacity> {
    const facts = await this.serviceFacts(signal, false);
    const amounts = { cpu: facts.cpus, memory: facts.memoryBytes, gpu: 0 };
    return { total: amounts, perTaskMax: amounts, fpga: 0, containerKinds: ['docker'] };
  }

  execute(request: ExecutionRequest, signal: AbortSignal, emit: (event: BackendEvent) => void): Promise<ExecutionResult> {
    return runAttemptPipeline<PodmanAttempt>(
      {
        runtime: 'Podman',
        client: this.client,
        options: this.options,
        resolver: () => this.imageResolver(),
        prepare: async () => {
          const facts = await this.serviceFacts(signal, false);
          return { facts, userns: this.usernsFor(facts), user: this.containerUserFor(facts) };
        },
        candidates: async (references) => {
          const { usable, refused } = qualifyCandidates(references, this.shortNames.policy);
          const refusedReasons = await Promise.all(refused.map(async (reference) => ({ reference, reason: shortNameReason(reference, await this.presentForms(reference, signal)) })));
          const noteOn = (reference: string): string | undefined => {
            const chosen = usable.find((candidate) => candidate.reference === reference);
            return chosen === undefined || chosen.written === chosen.reference ? undefined : `the short image name ${chosen.written} was taken as ${chosen.reference} (${this.shortNames.because})`;
          };
          return { usable: usable.map((candidate) => candidate.reference), refused: refusedReasons, noteOn };
        },
        grantAccess: (folders, image, { facts, user, userns }) => grantFolderAccessTo(folders, this.hostIdentityOf(facts, user, userns, image.details.user), this.invoking),
        run: async ({ context: { facts, user, userns }, image, disks, limit, runContainer }) => {
          const result = await runContainer(buildPodmanContainerSpec({ request, image: image.reference, options: this.options, user, userns, disks }));
          if (result.endReason === 'exited' && result.exitCode === SIGKILL_EXIT && limit > 0 && !facts.oomReported) {
            emit({
              type: 'warning',
              message:
                `the task was killed (exit ${SIGKILL_EXIT}) under a memory limit of ${limit} bytes; it may have run out of memory, but Podman ${facts.podmanVersion} ` +
                'cannot say (it does not report OOM kills, podman#13102): use Podman 5, or start conmon in the bundle folder (tools/engines/podman.sh does)',
            });
          }
          return result;
        },
      },
      request,
      signal,
      emit,
    );
  }

  async listManaged(selector: Readonly<Record<string, string>>, signal?: AbortSignal): Promise<ManagedResource[]> {
    const containers = await this.client.listContainers(selector, signal);
    return containers.map(({ id, name, labels, state }) => ({ id, name, labels, state }));
  }

  reattach(resource: ManagedResource, streams: ReattachStreams, signal: AbortSignal): Promise<ExecutionResult> {
    return reattachAttemptContainer(this.client, resource, streams, this.options.graceSeconds, signal, livenessOf(this.options));
  }

  async removeManaged(resource: ManagedResource): Promise<void> {
    await this.client.removeContainer(resource.id, true);
  }

  /**
   * Gives every file under `folder` to `owner` with a short root container of a local image (the shared repair of
   * `@capstan/docker-api`). Under a rootless service, container root is the service's user, so only that user can be
   * given the files (by `chown 0:0` inside); any other owner is refused.
   */
  async repairOwnership(folder: string, owner: FileOwner, request: ExecutionRequest, signal?: AbortSignal): Promise<void> {
    const facts = await this.serviceFacts(signal, false);
    const images =
      this.options.repairImage !== undefined
        ? [this.options.repairImage]
        : qualifyCandidates(
            request.constraints.containers.filter((source) => source.kind === 'docker').map((source) => source.reference),
            this.shortNames.policy,
          ).usable.map((candidate) => candidate.reference);
    if (!facts.rootless) return repairOwnership(this.client, images, folder, owner, request, signal);
    if (owner.uid !== facts.serviceUid || owner.gid !== facts.serviceGid) {
      throw new CapstanError(
        ErrorCode.BackendFailure,
        `cannot give ${folder} to ${owner.uid}:${owner.gid}: the rootless Podman service runs as ${facts.serviceUid}:${facts.serviceGid} and can give files only to that user; ` +
          `run Capstan as that user, or use a rootful service`,
        { details: { folder, serviceUid: facts.serviceUid } },
      );
    }
    return repairOwnership(this.client, images, folder, { uid: 0, gid: 0 }, request, signal);
  }

  /** `keep-id` when it applies (rootless, userns auto or keep-id); a keep-id asked of a rootful service is an error. */
  private usernsFor(facts: PodmanFacts): 'keep-id' | undefined {
    if (this.options.userns === 'keep-id' && !facts.rootless) {
      throw new CapstanError(
        ErrorCode.InvalidConfig,
        `the podman backend's userns is keep-id, but the service at ${facts.endpoint} is rootful (keep-id needs a rootless service); ` +
          'set userns to auto, or point the backend at your rootless service ($XDG_RUNTIME_DIR/podman/podman.sock)',
        { path: 'podman.userns', details: { value: 'keep-id' } },
      );
    }
    return facts.rootless && this.options.userns !== 'host' ? 'keep-id' : undefined;
  }

  /** The container's `User`: rootful as the docker backend; rootless with `auto`, the user namespace decides. */
  private containerUserFor(facts: PodmanFacts): string | undefined {
    if (facts.rootless && this.options.user === 'auto') return undefined;
    return containerUser(this.options.user, this.invoking);
  }

  /** The host identity the task's processes have, where it can be known; null when it is a subordinate id or a name. */
  private hostIdentityOf(facts: PodmanFacts, user: string | undefined, userns: 'keep-id' | undefined, imageUser: string): HostIdentity | null {
    if (!facts.rootless) return effectiveIdentity(user, imageUser);
    const service = { uid: facts.serviceUid, gid: facts.serviceGid };
    const inside = userns === 'keep-id' && user === undefined ? service : effectiveIdentity(user, imageUser);
    if (inside === null) return null;
    if (userns === 'keep-id') return inside.uid === facts.serviceUid ? service : null;
    return inside.uid === 0 ? service : null; // container root is the service's user; other ids are subordinate ones
  }

  /** The fully qualified forms of a short name that the service has locally. */
  private async presentForms(reference: string, signal?: AbortSignal): Promise<string[]> {
    const forms = [dockerHubForm(reference), localForm(reference)].filter(isFullyQualified);
    const found = await Promise.all(forms.map(async (form) => ((await this.client.inspectImage(form, signal).catch(() => null)) === null ? null : form)));
    return found.filter((form): form is string => form !== null);
  }

  private serviceFacts(signal: AbortSignal | undefined, fresh: boolean): Promise<PodmanFacts> {
    // A probe (doctor, auto) asks the service; a task's path takes what an earlier process learnt, if still true.
    const cache = this.factsCache;
    const asked = async (): Promise<PodmanFacts> => {
      const facts = await probePodman(this.client, signal);
      await cache?.write(facts); // a millisecond, and the next process can count on it
      return facts;
    };
    // The attempts' cgroup then needs no `GET /info` of its own before each run's create.
    const told = (facts: PodmanFacts): PodmanFacts => {
      knowDaemonCgroups(this.client, { cgroupDriver: facts.cgroupManager, cgroupVersion: facts.cgroupVersion, rootless: facts.rootless });
      return facts;
    };
    return this.facts.get(async () => told(fresh || cache === null ? await asked() : ((await cache.read()) ?? (await asked()))), fresh);
  }

  /**
   * Built on first use. Credentials: the options, then Podman's auth files (REGISTRY_AUTH_FILE,
   * $XDG_RUNTIME_DIR/containers/auth.json, ~/.config/containers/auth.json), then ~/.docker/config.json.
   */
  private imageResolver(): ImageResolver {
    if (this.resolver === undefined) {
      const credentials = RegistryCredentials.load(this.options.registries, this.environment, podmanAuthFiles(this.environment));
      this.resolver = new ImageResolver(this.client, new ImagePuller(this.client, credentials), credentials, 'podman login');
    }
    return this.resolver;
  }
}

/** Podman's own credential files, in the order containers-auth.json(5) reads them. */
export function podmanAuthFiles(env: NodeJS.ProcessEnv): string[] {
  const set = (name: string): string | undefined => (env[name] === undefined || env[name] === '' ? undefined : env[name]);
  const files: string[] = [];
  const authFile = set('REGISTRY_AUTH_FILE');
  if (authFile !== undefined) files.push(authFile);
  const runtimeDir = set('XDG_RUNTIME_DIR');
  if (runtimeDir !== undefined) files.push(join(runtimeDir, 'containers', 'auth.json'));
  files.push(join(set('XDG_CONFIG_HOME') ?? join(homedir(), '.config'), 'containers', 'auth.json'));
  return files;
}
