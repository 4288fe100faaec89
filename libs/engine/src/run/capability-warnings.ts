import { type BackendCapabilities, CapstanError, type Constraints, ErrorCode, type LimitBehavior } from '@capstan/core-constraints';

export interface LimitBehaviors {
  readonly cpu: LimitBehavior;
  readonly memory: LimitBehavior;
}

/**
 * Checks what a task asks for against what the backend can enforce; the engine asks capabilities, never a backend's
 * name. A limit the task sets explicitly (`max_cpu`, `max_memory`) that the backend cannot enforce fails the task
 * under `deny` and is a warning under `try_with_max`. Everything else a backend cannot honour is said plainly.
 */
export function capabilityWarnings(constraints: Constraints, capabilities: BackendCapabilities, backendName: string, behaviors: LimitBehaviors): string[] {
  const warnings: string[] = [];
  const images = constraints.containers.filter((container) => container.kind !== 'any');
  if (!capabilities.runsContainers && images.length > 0) {
    const listed = images.map((image) => `"${image.uri}"`).join(', ');
    warnings.push(`requirements.container: the ${backendName} backend runs the command on the host, without ${images.length === 1 ? `the container ${listed}` : `any of the containers ${listed}`}`);
  }
  const unenforceable = (path: string, what: string, flag: 'cpu' | 'memory'): void => {
    if (behaviors[flag] === 'deny') {
      throw new CapstanError(
        ErrorCode.ExceedsCapacity,
        `the ${backendName} backend cannot enforce a ${what} limit, and the ${flag} limit behavior is deny; ` +
          `run the task on a backend that enforces it (see capstan doctor), or set the ${flag} limit behavior to try_with_max to run it without the limit`,
        { path },
      );
    }
    warnings.push(`${path}: the ${backendName} backend cannot enforce a ${what} limit; the task may use more`);
  };
  if (constraints.cpuLimit !== null && !capabilities.enforcesCpuLimit) unenforceable('hints.max_cpu', 'cpu', 'cpu');
  if (constraints.memoryLimit !== null && !capabilities.enforcesMemoryLimit) unenforceable('hints.max_memory', 'memory', 'memory');
  const extraDisks = Object.keys(constraints.disks).some((mount) => mount !== '/');
  if (!capabilities.enforcesDiskSize && extraDisks) {
    warnings.push(`requirements.disks: the ${backendName} backend does not reserve or enforce disk sizes`);
  }
  return warnings;
}
