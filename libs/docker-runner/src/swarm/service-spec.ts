import { CapstanError, ErrorCode, type ExecutionRequest, GUEST_COMMAND_FILE, GUEST_WORK_DIR } from '@capstan/core-constraints';
import { type AttemptBind, memoryLimitBytes } from '@capstan/docker-api/internal';
import { type DockerBackendOptions } from '../docker-backend-options';

/** The parts of the Engine API's ServiceSpec Capstan writes (`POST /services/create`). */
export interface ServiceSpec {
  readonly Name: string;
  readonly Labels: Readonly<Record<string, string>>;
  readonly TaskTemplate: {
    readonly ContainerSpec: {
      readonly Image: string;
      readonly Command: readonly string[];
      readonly Dir: string;
      readonly Env: readonly string[];
      readonly User?: string;
      readonly Init: boolean;
      readonly StopGracePeriod: number;
      readonly Mounts: ReadonlyArray<{ readonly Type: 'bind'; readonly Source: string; readonly Target: string; readonly ReadOnly: boolean }>;
      /** API 1.41 on; services have no `no-new-privileges` before API 1.46, so dropping capabilities matters more. */
      readonly CapabilityDrop?: readonly string[];
    };
    readonly Resources: {
      readonly Limits: { readonly NanoCPUs?: number; readonly MemoryBytes?: number; readonly Pids?: number };
      readonly Reservations: {
        readonly NanoCPUs: number;
        readonly MemoryBytes: number;
        readonly GenericResources?: ReadonlyArray<{ readonly DiscreteResourceSpec: { readonly Kind: string; readonly Value: number } }>;
      };
    };
    readonly RestartPolicy: { readonly Condition: 'none'; readonly MaxAttempts: 0 };
    readonly Placement: { readonly Constraints: readonly string[] };
    readonly Networks?: ReadonlyArray<{ readonly Target: string }>;
    readonly LogDriver: { readonly Name: string };
  };
  readonly Mode: { readonly Replicated: { readonly Replicas: number } };
}

export interface ServicePlan {
  readonly request: ExecutionRequest;
  /** What the nodes run: a digest reference, or an image id pinned to this node (see service-image.ts). */
  readonly image: string;
  readonly placement: readonly string[];
  /** The attempt's binds, their sources as the nodes see them (already translated). */
  readonly mounts: readonly AttemptBind[];
  /** `uid:gid`, a user name, or undefined for the image's own user. */
  readonly user: string | undefined;
  /** Labels of this backend's session, besides the request's, by which its services' tasks are polled. */
  readonly sessionLabels: Readonly<Record<string, string>>;
  readonly options: Pick<DockerBackendOptions, 'memoryLimit' | 'pidsLimit' | 'network' | 'init' | 'graceSeconds' | 'swarmGpuResource' | 'swarmLogDriver' | 'capDrop'>;
}

/**
 * One attempt as a one-replica service that is never restarted: the same command, work dir, env and user as a
 * plain container, the same binds (work dir rw, command file and inputs ro unless writable, extra disks rw). The
 * scheduler places it by its reservations (the requests, GPUs as a generic resource); its limits are those of a
 * plain container (`max_cpu`; `max_memory`, else the request under `memoryLimit: request`; pids).
 */
export function buildServiceSpec(plan: ServicePlan): ServiceSpec {
  const { request, options } = plan;
  const { constraints } = request;
  const memory = memoryLimitBytes(request, options.memoryLimit);
  return {
    Name: request.attemptName,
    Labels: { ...request.labels, ...plan.sessionLabels },
    TaskTemplate: {
      ContainerSpec: {
        Image: plan.image,
        Command: [request.shell, GUEST_COMMAND_FILE],
        Dir: GUEST_WORK_DIR,
        Env: Object.entries(request.env).map(([key, value]) => `${key}=${value}`),
        ...(plan.user === undefined ? {} : { User: plan.user }),
        Init: options.init,
        StopGracePeriod: options.graceSeconds * 1e9,
        Mounts: plan.mounts.map((mount) => ({ Type: 'bind', Source: mount.path, Target: mount.target, ReadOnly: mount.readOnly })),
        ...(options.capDrop.length === 0 ? {} : { CapabilityDrop: options.capDrop.map(capabilityName) }),
      },
      Resources: {
        Limits: {
          ...(constraints.cpuLimit === null ? {} : { NanoCPUs: Math.round(constraints.cpuLimit * 1e9) }),
          ...(memory === 0 ? {} : { MemoryBytes: memory }),
          ...(options.pidsLimit === null ? {} : { Pids: options.pidsLimit }),
        },
        Reservations: {
          NanoCPUs: Math.round(constraints.cpu * 1e9),
          MemoryBytes: memory === 0 ? constraints.memory : Math.min(constraints.memory, memory),
          ...(constraints.gpu > 0 ? { GenericResources: [{ DiscreteResourceSpec: { Kind: options.swarmGpuResource, Value: constraints.gpu } }] } : {}),
        },
      },
      RestartPolicy: { Condition: 'none', MaxAttempts: 0 },
      Placement: { Constraints: [...plan.placement] },
      ...serviceNetworks(options.network),
      LogDriver: { Name: options.swarmLogDriver },
    },
    Mode: { Replicated: { Replicas: 1 } },
  };
}

/** The networks of a service's task: none listed for `bridge` (the default), else the one named. */
function serviceNetworks(network: string): { Networks?: ReadonlyArray<{ Target: string }> } {
  assertSwarmNetwork(network);
  return network === 'bridge' ? {} : { Networks: [{ Target: network }] };
}

/**
 * Swarm services join the predefined `bridge` and `host` networks or swarm-scoped ones (overlay); the predefined
 * `none` of plain containers does not exist for them (API 1.41: "could not find the corresponding predefined swarm
 * network"), so it is refused rather than silently given a network.
 */
export function assertSwarmNetwork(network: string): void {
  if (network === 'none') {
    throw new CapstanError(
      ErrorCode.InvalidConfig,
      'network "none" is not available to swarm services (swarm has only the predefined networks bridge and host, and overlay networks); ' +
        'set docker.network to "bridge", "host" or an attachable overlay network, or docker.swarm to off',
      { path: 'docker.network', details: { value: network } },
    );
  }
}

/** Services take capability names with the `CAP_` prefix (`CAP_NET_RAW`); containers take either form. */
function capabilityName(name: string): string {
  return name === 'ALL' || name.startsWith('CAP_') ? name : `CAP_${name}`;
}
