import { CapstanError, ErrorCode } from '@capstan/core-constraints';
import Dockerode from 'dockerode';
import { daemonUnavailableError, type DaemonDescription, DOCKER_DAEMON, isDaemonUnreachable } from './daemon-unavailable';
import { type DockerConnectionOptions, type DockerEndpoint, type EndpointDefaults, resolveDockerEndpoint } from './docker-endpoint';
import { dialContainerWait, dialEarlyWait, type EarlyWait } from './container-wait';
import { dockerErrorInfo, isNotFound } from './docker-error';
import { parseImageReference } from './image-reference';
import { readJsonLines } from './json-lines';
import { LostContainers } from './lost-containers';
import { type PullMessage, pullStreamError } from './pull-progress';
import { type RegistryAuth } from './registry-credentials';
import { retry, type RetryOptions, type RetryPolicy } from '@capstan/support';
import { isTransientDockerError } from './transient-errors';

export type ContainerCreateSpec = Dockerode.ContainerCreateOptions;

/** dockerode 5 takes `abortSignal` on these calls; the typings (written for dockerode 4) do not declare it. */
interface AbortableCalls {
  ping(options: { abortSignal: AbortSignal }): Promise<unknown>;
  version(options: { abortSignal: AbortSignal }): Promise<DaemonVersion>;
  info(options: { abortSignal: AbortSignal }): Promise<DaemonInfo>;
}

/** Bounds the small calls (ping, version, info) when the caller gives no signal: a hung daemon must not hang us. */
const SMALL_CALL_TIMEOUT_MS = 10_000;

/** Five retries, as Sprocket's client makes, from 200 ms doubling to at most 5 s. */
export const DOCKER_RETRY_POLICY: RetryPolicy = { retries: 5, baseDelayMs: 200, maxDelayMs: 5_000 };

export interface DockerClientOptions extends DockerConnectionOptions {
  readonly retry?: RetryPolicy;
  /** How the daemon is named in errors and how to start it (Podman's backend names its own). */
  readonly daemon?: DaemonDescription;
  /** Where the address comes from when no option gives it (Podman: `CONTAINER_HOST`, its own sockets). */
  readonly endpointDefaults?: EndpointDefaults;
}

/** The parts of `GET /info` Capstan reads. */
export interface DaemonInfo {
  readonly NCPU: number;
  readonly MemTotal: number;
  readonly ServerVersion?: string;
  readonly OperatingSystem?: string;
  readonly CgroupVersion?: string;
  readonly CgroupDriver?: string;
  readonly Runtimes?: Readonly<Record<string, unknown>>;
  readonly DefaultRuntime?: string;
  readonly Swarm?: { readonly LocalNodeState?: string };
}

export interface DaemonVersion {
  readonly Version: string;
  readonly ApiVersion: string;
  readonly Os?: string;
  readonly Arch?: string;
  readonly Components?: ReadonlyArray<{ readonly Name: string; readonly Version: string }>;
}

/** What an image inspect tells that Capstan uses. */
export interface ImageDetails {
  readonly id: string;
  /** The image's configured user (`USER`); empty for root. */
  readonly user: string;
}

/** See {@link DockerClient.endEventsSince}. */
export interface ContainerEndEvents {
  readonly killSignal: string | null;
  readonly oom: boolean;
}

/** A container's state after it ended (or at any time). */
export interface ContainerState {
  readonly running: boolean;
  readonly status: string;
  readonly exitCode: number;
  readonly oomKilled: boolean;
  /** The daemon's error for a container that could not start. */
  readonly error: string;
}

export interface ContainerSummary {
  readonly id: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly state: string;
  readonly image: string;
}

/**
 * A Docker-Engine-API client (Docker, or Podman's compatible socket): every call is retried with backoff on
 * transient failures (broken connections, a daemon restarting, transient 409s, 5xx), a daemon that cannot be
 * reached is reported as one typed error naming the address, and 404s of stop/remove count as done.
 */
export class DockerClient {
  readonly endpoint: DockerEndpoint;
  /** The underlying dockerode client, for calls this class does not wrap. */
  readonly api: Dockerode;
  /** How the daemon is named in messages, and its command-line tool. */
  readonly daemon: DaemonDescription;
  /** Containers to remove once the daemon answers again (their attempts were lost with it). */
  readonly lost: LostContainers;
  private readonly retry: RetryPolicy;
  private daemonSeen = false;

  constructor(options: DockerClientOptions = {}, env: NodeJS.ProcessEnv = process.env) {
    this.endpoint = resolveDockerEndpoint(options, env, options.endpointDefaults);
    this.retry = options.retry ?? DOCKER_RETRY_POLICY;
    this.daemon = options.daemon ?? DOCKER_DAEMON;
    const endpoint = this.endpoint;
    this.api =
      endpoint.kind === 'unix'
        ? new Dockerode({ socketPath: endpoint.socketPath })
        : new Dockerode({
            host: endpoint.host,
            port: endpoint.port,
            protocol: endpoint.tls === null ? 'http' : 'https',
            ...(endpoint.tls === null ? {} : { ca: endpoint.tls.ca, cert: endpoint.tls.cert, key: endpoint.tls.key }),
          });
    this.lost = new LostContainers(this.api);
  }

  /**
   * Runs one API call with the retry policy. A daemon that cannot be reached becomes `backend.unavailable`; any other
   * failure `backend.failure` naming `what` and the daemon's message (details: statusCode, code).
   */
  async call<T>(what: string, operation: (api: Dockerode) => Promise<T>, signal?: AbortSignal): Promise<T> {
    try {
      const result = await retry(() => operation(this.api), this.retryOptions(signal));
      this.daemonSeen = true;
      return result;
    } catch (error) {
      throw this.translate(what, error);
    }
  }

  private retryOptions(signal: AbortSignal | undefined): RetryOptions {
    return { policy: this.retry, isRetryable: (error) => isTransientDockerError(error, this.daemonSeen), ...(signal ? { signal } : {}) };
  }

  /** The error `call` throws for `error`; for failures seen outside `call` (streams). */
  translate(what: string, error: unknown): CapstanError {
    if (error instanceof CapstanError) return error;
    if (isDaemonUnreachable(error)) return daemonUnavailableError(this.endpoint.description, error, this.daemon);
    const { statusCode, code, message } = dockerErrorInfo(error);
    return new CapstanError(ErrorCode.BackendFailure, `${this.daemon.name} ${what} failed: ${message}`, { cause: error, details: { statusCode, code } });
  }

  async ping(signal?: AbortSignal): Promise<void> {
    await this.call('ping', (api) => abortable(api).ping({ abortSignal: signal ?? AbortSignal.timeout(SMALL_CALL_TIMEOUT_MS) }), signal);
  }

  /** One ping, not retried: the liveness watch counts each silence itself. */
  async pingOnce(signal: AbortSignal): Promise<void> {
    await abortable(this.api).ping({ abortSignal: signal });
  }

  version(signal?: AbortSignal): Promise<DaemonVersion> {
    return this.call('version', (api) => abortable(api).version({ abortSignal: signal ?? AbortSignal.timeout(SMALL_CALL_TIMEOUT_MS) }), signal);
  }

  info(signal?: AbortSignal): Promise<DaemonInfo> {
    return this.call('info', (api) => abortable(api).info({ abortSignal: signal ?? AbortSignal.timeout(SMALL_CALL_TIMEOUT_MS) }), signal);
  }

  /** The image's details, or null when the daemon does not have it. */
  async inspectImage(reference: string, signal?: AbortSignal): Promise<ImageDetails | null> {
    try {
      const info = await retry(() => this.api.getImage(reference).inspect(), this.retryOptions(signal));
      this.daemonSeen = true;
      return { id: info.Id, user: info.Config?.User ?? '' };
    } catch (error) {
      if (isNotFound(error)) {
        this.daemonSeen = true;
        return null;
      }
      throw this.translate(`image inspect of ${reference}`, error);
    }
  }

  /**
   * Pulls one image, calling `onMessage` with every message of the progress stream. Rejects with the registry's
   * reason (`backend.failure`) when the pull fails, also when it fails half-way through the stream.
   */
  async pullImage(reference: string, auth: RegistryAuth | undefined, onMessage: (message: PullMessage) => void = () => undefined): Promise<void> {
    const { name, tag, digest } = parseImageReference(reference);
    const stream = await this.call(`pull of ${reference}`, (api) =>
      api.createImage(auth ?? {}, { fromImage: name, tag: digest ?? tag ?? 'latest' }),
    );
    let failure: string | undefined;
    try {
      await readJsonLines(stream, (value) => {
        const message = value as PullMessage;
        failure ??= pullStreamError(message);
        onMessage(message);
      });
    } catch (error) {
      throw this.translate(`pull of ${reference}`, error);
    }
    if (failure !== undefined) throw new CapstanError(ErrorCode.BackendFailure, `${this.daemon.name} pull of ${reference} failed: ${failure}`);
  }

  async removeImage(reference: string): Promise<void> {
    try {
      await this.call(`removal of image ${reference}`, (api) => api.getImage(reference).remove({ force: true }));
    } catch (error) {
      if (!(error instanceof CapstanError && error.details['statusCode'] === 404)) throw error;
    }
  }

  async createContainer(spec: ContainerCreateSpec): Promise<string> {
    const container = await this.call(`create of container ${spec.name ?? ''}`.trimEnd(), (api) => api.createContainer(spec));
    return container.id;
  }

  /**
   * Attaches to a created container's stdout and stderr (multiplexed, see `DockerStreamDemuxer`). Attach before start
   * to miss nothing: the stream then carries all output and ends when the container stops.
   */
  attachOutput(id: string): Promise<NodeJS.ReadableStream> {
    return this.call('attach', (api) => api.getContainer(id).attach({ stream: true, stdout: true, stderr: true, logs: false }));
  }

  /** Starts a created container; a start re-issued after its answer was lost finds it started (304), which is done. */
  async startContainer(id: string): Promise<void> {
    try {
      await this.call('container start', (api) => api.getContainer(id).start());
    } catch (error) {
      if (!(error instanceof CapstanError && error.details['statusCode'] === 304)) throw error;
    }
  }

  /**
   * Waits until the container is not running; resolves with its status code. A wait whose connection closes before
   * the answer rejects (re-issued by the retry policy first), so a lost daemon never leaves it pending.
   */
  waitContainer(id: string, signal?: AbortSignal): Promise<number> {
    return this.call('container wait', (api) => dialContainerWait(api, id, this.daemon.libpod === true, signal), signal);
  }

  /**
   * Docker's wait for the container's next exit, asked for before its start (see `dialEarlyWait`), or undefined on
   * Podman, whose wait is its own endpoint's and is asked for after the start. Never re-issued; errors translated.
   */
  waitBeforeStart(id: string, signal: AbortSignal): EarlyWait | undefined {
    if (this.daemon.libpod === true) return undefined;
    const early = dialEarlyWait(this.api, id, signal);
    const translated = (error: unknown): never => {
      throw this.translate('container wait', error);
    };
    return { registered: early.registered.catch(translated), exited: early.exited.catch(translated) };
  }

  /**
   * What the daemon's event log says about a container's end between `since` and now: the signal of a kill it was
   * asked for (`docker kill`, `stop`, `rm -f`; Capstan's own stops are known to the caller, so one seen here came from
   * another tool), and whether the kernel's OOM killer struck. The `oom` event is the daemon's own record of the
   * latter; under load Docker has been seen to end such a container with `OOMKilled: false` and exit 137.
   */
  async endEventsSince(id: string, since: Date): Promise<ContainerEndEvents> {
    const filters = { container: [id], type: ['container' as const], event: ['kill', 'oom'] };
    const until = Math.ceil(Date.now() / 1000) + 1;
    const stream = await this.call('event query', (api) => api.getEvents({ since: Math.floor(since.getTime() / 1000) - 1, until, filters }));
    let killSignal: string | null = null;
    let oom = false;
    await readJsonLines(stream, (value) => {
      const event = value as { Action?: string; status?: string; Actor?: { Attributes?: Record<string, string> } };
      const action = event.Action ?? event.status;
      if (action === 'kill') killSignal ??= event.Actor?.Attributes?.['signal'] ?? 'unknown';
      if (action === 'oom') oom = true;
    });
    return { killSignal, oom };
  }

  async inspectContainer(id: string): Promise<ContainerState> {
    const info = await this.call('container inspect', (api) => api.getContainer(id).inspect());
    return {
      running: info.State.Running,
      status: info.State.Status,
      exitCode: info.State.ExitCode,
      oomKilled: info.State.OOMKilled,
      error: info.State.Error ?? '',
    };
  }

  /** The daemon's stop: the stop signal (SIGTERM), `graceSeconds`, then SIGKILL. Stopped or gone already is fine. */
  async stopContainer(id: string, graceSeconds: number): Promise<void> {
    try {
      await this.call('container stop', (api) => api.getContainer(id).stop({ t: graceSeconds }));
    } catch (error) {
      const status = error instanceof CapstanError ? error.details['statusCode'] : undefined;
      if (status !== 304 && status !== 404) throw error;
    }
  }

  /** Removes a container (killing it first with `force`); one already gone is not an error. */
  async removeContainer(id: string, force = true): Promise<void> {
    try {
      await this.call('container removal', (api) => api.getContainer(id).remove({ force, v: true }));
    } catch (error) {
      if (!(error instanceof CapstanError && error.details['statusCode'] === 404)) throw error;
    }
  }

  /** Containers (running or not) carrying every label in `labels`. */
  async listContainers(labels: Readonly<Record<string, string>>, signal?: AbortSignal): Promise<ContainerSummary[]> {
    const filters = { label: Object.entries(labels).map(([key, value]) => `${key}=${value}`) };
    const list = await this.call(
      'container list',
      (api) => api.listContainers({ all: true, filters, ...(signal === undefined ? {} : { abortSignal: signal }) }),
      signal,
    );
    return list.map((item) => ({
      id: item.Id,
      name: (item.Names[0] ?? item.Id).replace(/^\//, ''),
      labels: item.Labels ?? {},
      state: item.State,
      image: item.Image,
    }));
  }
}

function abortable(api: Dockerode): AbortableCalls {
  return api as unknown as AbortableCalls;
}
