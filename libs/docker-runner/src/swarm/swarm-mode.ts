import { CapstanError, ErrorCode } from '@capstan/core-constraints';
import { type DockerClient } from '@capstan/docker-api/internal';
import { type SwarmSetting } from '../docker-backend-options';

/** How attempts run: plain containers, or one-replica swarm services. */
export type ExecutionMode = 'containers' | 'services';

/** The daemon's place in a swarm, from `GET /info`. */
export interface SwarmMembership {
  /** `inactive`, `pending`, `active`, `error`, `locked`. */
  readonly localNodeState: string;
  /** This daemon is a manager: it can create services. */
  readonly manager: boolean;
  readonly nodeId: string;
}

interface InfoWithSwarm {
  readonly Swarm?: { readonly LocalNodeState?: string; readonly ControlAvailable?: boolean; readonly NodeID?: string };
}

export async function readSwarmMembership(client: DockerClient, signal?: AbortSignal): Promise<SwarmMembership> {
  const swarm = ((await client.info(signal)) as InfoWithSwarm).Swarm ?? {};
  const localNodeState = swarm.LocalNodeState ?? 'inactive';
  return { localNodeState, manager: localNodeState === 'active' && swarm.ControlAvailable === true, nodeId: swarm.NodeID ?? '' };
}

/**
 * `off`: containers. `auto`: services when the daemon is a swarm manager, else containers. `on`: services, and an
 * error naming the fix when the daemon cannot create them (not in a swarm, or only a worker).
 */
export function chooseExecutionMode(setting: SwarmSetting, membership: SwarmMembership, endpoint: string): ExecutionMode {
  if (setting === 'off') return 'containers';
  if (membership.manager) return 'services';
  if (setting === 'auto') return 'containers';
  const where =
    membership.localNodeState === 'active'
      ? 'is a swarm worker, and only managers can create services'
      : `is not in a swarm (its swarm state is ${membership.localNodeState})`;
  throw new CapstanError(
    ErrorCode.InvalidConfig,
    `docker.swarm is on but the daemon at ${endpoint} ${where}; point the backend at a swarm manager, ` +
      'make this daemon one (docker swarm init; tools/engines/swarm.sh on a test machine), or set docker.swarm to auto or off',
    { path: 'docker.swarm', details: { value: setting, swarmState: membership.localNodeState } },
  );
}
