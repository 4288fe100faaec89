import { type BackendCapabilities, type Constraints } from '@capstan/core-constraints';

/**
 * Says plainly what a backend will not enforce for this task. The engine asks capabilities, never a backend's name.
 * (Refusing under `deny` for unenforceable limits comes with the backends that can enforce them.)
 */
export function capabilityWarnings(constraints: Constraints, capabilities: BackendCapabilities): string[] {
  const warnings: string[] = [];
  const images = constraints.containers.filter((container) => container.kind !== 'any');
  if (!capabilities.runsContainers && images.length > 0) {
    const listed = images.map((image) => `"${image.uri}"`).join(', ');
    warnings.push(`requirements.container: this backend runs the command on the host, without ${images.length === 1 ? `the container ${listed}` : `any of the containers ${listed}`}`);
  }
  if (constraints.cpuLimit !== null && !capabilities.enforcesCpuLimit) {
    warnings.push('hints.max_cpu: this backend cannot enforce a cpu limit; the task may use more');
  }
  if (constraints.memoryLimit !== null && !capabilities.enforcesMemoryLimit) {
    warnings.push('hints.max_memory: this backend cannot enforce a memory limit; the task may use more');
  }
  const extraDisks = Object.keys(constraints.disks).length > 1 || Object.keys(constraints.disks)[0] !== '/';
  if (!capabilities.enforcesDiskSize && extraDisks) {
    warnings.push('requirements.disks: this backend does not reserve or enforce disk sizes');
  }
  return warnings;
}
