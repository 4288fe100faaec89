import { CapstanError } from '@capstan/core-constraints';
import { type DockerClient, type RegistryAuth } from '@capstan/docker-api/internal';
import type Dockerode from 'dockerode';
import { type ServiceSpec } from './service-spec';

/** One task of a service, as `GET /tasks` describes it. */
export interface SwarmTask {
  readonly id: string;
  readonly serviceId: string;
  readonly nodeId: string;
  /** `new`, `pending`, `assigned`, ..., `running`, `complete`, `failed`, `shutdown`, `rejected`, `orphaned`, `remove`. */
  readonly state: string;
  readonly desiredState: string;
  /** The swarm's reason, e.g. `task: non-zero exit (3)` or `no suitable node (insufficient resources on 1 node)`. */
  readonly error: string;
  readonly exitCode: number | null;
  readonly containerId: string | null;
  /** Of the last state change (ISO 8601). */
  readonly timestamp: string;
}

export interface SwarmNode {
  readonly id: string;
  readonly hostname: string;
  /** Ready and active: the scheduler may place tasks on it. */
  readonly schedulable: boolean;
  readonly cpus: number;
  readonly memoryBytes: number;
  /** Generic resources it advertises, by kind: discrete ones by value, named ones by count. */
  readonly generic: Readonly<Record<string, number>>;
}

export interface ServiceSummary {
  readonly id: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

interface RawTask {
  ID: string;
  ServiceID: string;
  NodeID?: string;
  DesiredState?: string;
  Status?: { State?: string; Err?: string; Timestamp?: string; ContainerStatus?: { ContainerID?: string; ExitCode?: number } };
}

interface RawGenericResource {
  DiscreteResourceSpec?: { Kind?: string; Value?: number };
  NamedResourceSpec?: { Kind?: string; Value?: string };
}

interface RawNode {
  ID: string;
  Spec?: { Availability?: string };
  Status?: { State?: string };
  Description?: { Hostname?: string; Resources?: { NanoCPUs?: number; MemoryBytes?: number; GenericResources?: RawGenericResource[] } };
}

export interface RawService {
  ID: string;
  Version?: { Index?: number };
  Spec: ServiceSpec & { Name?: string; Labels?: Record<string, string> };
}

/** Counts of the calls made, so tests can show that task states are read in one call for all services. */
export interface SwarmCallCounts {
  listTasks: number;
}

/**
 * The swarm endpoints the docker backend uses (services, tasks, nodes, service logs), through the `DockerClient`'s
 * retries and typed errors. Raw requests, as dockerode's typings of these endpoints are incomplete (generic
 * resources, `Pids`) and its non-following logs call buffers the whole answer.
 */
export class SwarmApi {
  readonly calls: SwarmCallCounts = { listTasks: 0 };

  constructor(readonly client: DockerClient) {}

  async createService(spec: ServiceSpec, auth: RegistryAuth | undefined): Promise<string> {
    const created = await this.client.call(`create of service ${spec.Name}`, (api) =>
      dial<{ ID: string }>(api, { path: '/services/create', method: 'POST', options: spec, ...(auth === undefined ? {} : { authconfig: auth }) }),
    );
    return created.ID;
  }

  /** Sets the service's replicas to 0: the swarm stops its task (stop signal, the grace period, SIGKILL). Gone is fine. */
  async scaleToZero(id: string): Promise<void> {
    // The update names the version it read; a concurrent change makes it fail "out of sequence": read again.
    for (let round = 1; ; round += 1) {
      const service = await this.inspectService(id);
      if (service === null) return;
      const spec = { ...service.Spec, Mode: { Replicated: { Replicas: 0 } } };
      try {
        await this.client.call(`scale-down of service ${id}`, (api) =>
          dial(api, { path: `/services/${encodeURIComponent(id)}/update?`, method: 'POST', options: { _query: { version: service.Version?.Index ?? 0 }, _body: spec } }),
        );
        return;
      } catch (error) {
        if (statusOf(error) === 404) return;
        if (round >= 3 || !/out of sequence/i.test((error as Error).message)) throw error;
      }
    }
  }

  async inspectService(id: string): Promise<RawService | null> {
    try {
      return await this.client.call(`inspect of service ${id}`, (api) => dial<RawService>(api, { path: `/services/${encodeURIComponent(id)}`, method: 'GET' }));
    } catch (error) {
      if (statusOf(error) === 404) return null;
      throw error;
    }
  }

  /** Removes a service (the swarm stops and removes its task's container); one already gone is not an error. */
  async removeService(id: string): Promise<void> {
    try {
      await this.client.call(`removal of service ${id}`, (api) => dial(api, { path: `/services/${encodeURIComponent(id)}`, method: 'DELETE' }));
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
    }
  }

  /** Every task of every service carrying all of `labels` (the services' labels): one call. */
  async listTasks(labels: Readonly<Record<string, string>>, signal?: AbortSignal): Promise<SwarmTask[]> {
    this.calls.listTasks += 1;
    const raw = await this.client.call('task list', (api) => dial<RawTask[]>(api, { path: '/tasks?', method: 'GET', options: { filters: labelFilters(labels) } }), signal);
    return raw.map(toTask);
  }

  async listServices(labels: Readonly<Record<string, string>>, signal?: AbortSignal): Promise<ServiceSummary[]> {
    const raw = await this.client.call('service list', (api) => dial<RawService[]>(api, { path: '/services?', method: 'GET', options: { filters: labelFilters(labels) } }), signal);
    return raw.map((service) => ({ id: service.ID, name: service.Spec.Name ?? service.ID, labels: service.Spec.Labels ?? {} }));
  }

  async listNodes(signal?: AbortSignal): Promise<SwarmNode[]> {
    const raw = await this.client.call('node list', (api) => dial<RawNode[]>(api, { path: '/nodes', method: 'GET' }), signal);
    return raw.map(toNode);
  }

  /**
   * The service's output as the multiplexed stream of the logs API: everything so far (`follow` false: the stream
   * ends there), or everything and then what comes (`follow` true: it never ends by itself; destroy it).
   */
  serviceLogs(id: string, follow: boolean): Promise<NodeJS.ReadableStream> {
    return this.client.call(`logs of service ${id}`, (api) =>
      dial<NodeJS.ReadableStream>(api, {
        path: `/services/${encodeURIComponent(id)}/logs?`,
        method: 'GET',
        options: { stdout: true, stderr: true, follow },
        isStream: true,
      }),
    );
  }
}

interface DialOptions {
  readonly path: string;
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly options?: object;
  readonly authconfig?: RegistryAuth;
  readonly isStream?: boolean;
}

/** One request through dockerode's modem; non-2xx answers reject with the daemon's message and `statusCode`. */
function dial<T = unknown>(api: Dockerode, request: DialOptions): Promise<T> {
  return new Promise((resolve, reject) => {
    (api.modem as { dial: (options: object, callback: (error: unknown, result: unknown) => void) => void }).dial(
      {
        ...request,
        statusCodes: { 200: true, 201: true, 204: true, 400: 'bad parameter', 404: 'not found', 409: 'conflict', 500: 'server error', 503: 'node is not part of a swarm' },
      },
      (error, result) => {
        if (error) reject(error instanceof Error ? error : new Error(String(error)));
        else resolve(result as T);
      },
    );
  });
}

function labelFilters(labels: Readonly<Record<string, string>>): string {
  return JSON.stringify({ label: Object.entries(labels).map(([key, value]) => `${key}=${value}`) });
}

function statusOf(error: unknown): unknown {
  return error instanceof CapstanError ? error.details['statusCode'] : undefined;
}

function toTask(raw: RawTask): SwarmTask {
  const container = raw.Status?.ContainerStatus;
  const exit = /non-zero exit \((\d+)\)/.exec(raw.Status?.Err ?? '')?.[1];
  const state = raw.Status?.State ?? 'new';
  return {
    id: raw.ID,
    serviceId: raw.ServiceID,
    nodeId: raw.NodeID ?? '',
    state,
    desiredState: raw.DesiredState ?? '',
    error: raw.Status?.Err ?? '',
    // The exit code is only meaningful once the container has ended.
    exitCode: exit !== undefined ? Number(exit) : container?.ContainerID && ENDED.has(state) ? (container.ExitCode ?? null) : null,
    containerId: container?.ContainerID ? container.ContainerID : null,
    timestamp: raw.Status?.Timestamp ?? '',
  };
}

/** Task states after which nothing more happens. */
export const ENDED = new Set(['complete', 'failed', 'shutdown', 'rejected', 'orphaned', 'remove']);

function toNode(raw: RawNode): SwarmNode {
  const resources = raw.Description?.Resources ?? {};
  const generic: Record<string, number> = {};
  for (const resource of resources.GenericResources ?? []) {
    if (resource.DiscreteResourceSpec?.Kind !== undefined) {
      generic[resource.DiscreteResourceSpec.Kind] = (generic[resource.DiscreteResourceSpec.Kind] ?? 0) + (resource.DiscreteResourceSpec.Value ?? 0);
    } else if (resource.NamedResourceSpec?.Kind !== undefined) {
      generic[resource.NamedResourceSpec.Kind] = (generic[resource.NamedResourceSpec.Kind] ?? 0) + 1;
    }
  }
  return {
    id: raw.ID,
    hostname: raw.Description?.Hostname ?? raw.ID,
    schedulable: raw.Status?.State === 'ready' && (raw.Spec?.Availability ?? 'active') === 'active',
    cpus: (resources.NanoCPUs ?? 0) / 1e9,
    memoryBytes: resources.MemoryBytes ?? 0,
    generic,
  };
}
