import { type BackendCapacity, type BackendEvent, type ContainerKind, type ExecutionRequest, type ExecutionResult, type ManagedResource } from '@capstan/core-constraints';
import { type AttemptBind, type DockerClient, type RegistryCredentials } from '@capstan/docker-api/internal';
import { randomBytes } from 'node:crypto';
import { type DockerBackendOptions } from '../docker-backend-options';
import { runAttemptService } from './run-attempt-service';
import { serviceImage } from './service-image';
import { buildServiceSpec } from './service-spec';
import { SwarmApi } from './swarm-api';
import { capacityFromNodes } from './swarm-capacity';
import { SwarmTaskWatcher } from './task-watcher';

/** The label by which one backend instance finds its own services' tasks in one call. */
export const SWARM_SESSION_LABEL = 'io.capstan.swarm-session';

/** One attempt, prepared as for a plain container: the image is local, folders exist, binds are host paths. */
export interface ServiceAttempt {
  readonly request: ExecutionRequest;
  readonly image: string;
  readonly user: string | undefined;
  readonly binds: readonly AttemptBind[];
  readonly localNodeId: string;
  readonly credentials: RegistryCredentials;
  readonly signal: AbortSignal;
  readonly emit: (event: BackendEvent) => void;
}

/** The docker backend's swarm mode: attempts as one-replica services, capacity from the nodes, services as resources. */
export class SwarmRunner {
  readonly api: SwarmApi;
  readonly watcher: SwarmTaskWatcher;
  readonly sessionLabels: Readonly<Record<string, string>>;

  constructor(
    client: DockerClient,
    private readonly options: DockerBackendOptions,
  ) {
    this.api = new SwarmApi(client);
    this.sessionLabels = { [SWARM_SESSION_LABEL]: randomBytes(8).toString('hex') };
    this.watcher = new SwarmTaskWatcher(this.api, this.sessionLabels, options.swarmPollMs);
  }

  async capacity(containerKinds: readonly ContainerKind[], signal?: AbortSignal): Promise<BackendCapacity> {
    return capacityFromNodes(await this.api.listNodes(signal), this.options.swarmGpuResource, containerKinds);
  }

  async run(attempt: ServiceAttempt): Promise<ExecutionResult> {
    const { request } = attempt;
    const image = await serviceImage(this.api.client, attempt.image, attempt.localNodeId);
    const spec = buildServiceSpec({ request, image: image.reference, placement: image.placement, mounts: attempt.binds, user: attempt.user, sessionLabels: this.sessionLabels, options: this.options });
    return runAttemptService({
      api: this.api,
      watcher: this.watcher,
      spec,
      // Other nodes pull a digest reference themselves; the credentials go with the service.
      auth: image.placement.length === 0 ? attempt.credentials.forImage(image.reference) : undefined,
      localNodeId: attempt.localNodeId,
      paths: request.paths,
      timeoutMs: request.timeoutMs,
      keepFailed: this.options.keepFailedContainers,
      signal: attempt.signal,
      stopNow: request.stopNow,
      emit: attempt.emit,
    });
  }

  /** Services carrying every label of `selector` (their state is `service`: its task's state is not read here). */
  async listManaged(selector: Readonly<Record<string, string>>, signal?: AbortSignal): Promise<ManagedResource[]> {
    const services = await this.api.listServices(selector, signal);
    return services.map(({ id, name, labels }) => ({ id, name, labels, state: 'service' }));
  }
}

/** Swarm ids are 25 base-32 characters; container ids are 64 hex digits. */
export function isContainerId(id: string): boolean {
  return /^[0-9a-f]{64}$/.test(id);
}
