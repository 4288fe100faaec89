import { type BackendCapacity, CapstanError, type ContainerKind, ErrorCode } from '@capstan/core-constraints';
import { type SwarmNode } from './swarm-api';

/**
 * A swarm's capacity from its nodes that are ready and active: the total is their sum; what one task may get is the
 * largest node (by memory, then cpus) with its own cpus, memory and GPUs, since a task runs on one node whole. The
 * swarm's scheduler does the admission (the resource manager runs unlimited), so the total only informs.
 */
export function capacityFromNodes(nodes: readonly SwarmNode[], gpuResource: string, containerKinds: readonly ContainerKind[]): BackendCapacity {
  const usable = nodes.filter((node) => node.schedulable);
  if (usable.length === 0) {
    throw new CapstanError(
      ErrorCode.BackendUnavailable,
      `the swarm has no node that can run tasks (${nodes.length} node${nodes.length === 1 ? '' : 's'}, none both ready and active); ` +
        'start a node or make one active (docker node update --availability active NODE)',
      { details: { nodes: nodes.length } },
    );
  }
  const amounts = (node: SwarmNode) => ({ cpu: node.cpus, memory: node.memoryBytes, gpu: node.generic[gpuResource] ?? 0 });
  const largest = [...usable].sort((a, b) => b.memoryBytes - a.memoryBytes || b.cpus - a.cpus)[0] as SwarmNode;
  const total = usable.map(amounts).reduce((sum, node) => ({ cpu: sum.cpu + node.cpu, memory: sum.memory + node.memory, gpu: sum.gpu + node.gpu }));
  return { total, perTaskMax: amounts(largest), fpga: 0, containerKinds };
}
