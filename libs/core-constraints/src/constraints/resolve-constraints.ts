import { type ContainerSource, parseContainerSource } from '../containers/container-source';
import { CapstanError, ErrorCode } from '../errors/capstan-error';
import { type AcceleratorHint, type Hints } from '../task/hints';
import { type Requirements } from '../task/requirements';
import { formatBytes } from '../units/size';
import {
  type BackendCapacity,
  type Constraints,
  type LimitBehavior,
  type Resolution,
  type ResolveOptions,
  type SkippedContainer,
} from './constraints';

interface Quantity {
  readonly label: string;
  readonly path: string;
  /** The limit behavior option that governs this quantity, or null when it is always denied (FPGAs). */
  readonly flag: string | null;
  readonly show: (amount: number) => string;
}

const CPU: Quantity = { label: 'cpu', path: 'requirements.cpu', flag: 'cpu', show: (n) => `${n} CPU${n === 1 ? '' : 's'}` };
const MEMORY: Quantity = {
  label: 'memory',
  path: 'requirements.memory',
  flag: 'memory',
  show: (n) => `${formatBytes(n)} (${n} bytes) of memory`,
};
const GPU: Quantity = { label: 'gpu', path: 'hints.gpu', flag: 'gpu', show: (n) => `${n} GPU${n === 1 ? '' : 's'}` };
const FPGA: Quantity = { label: 'fpga', path: 'hints.fpga', flag: null, show: (n) => `${n} FPGA${n === 1 ? '' : 's'}` };

/**
 * Fits a task's requirements and hints to a backend: picks the usable container candidates, checks each resource
 * against the per-task maximum (deny, or clamp with a warning under try_with_max), derives the limits from the
 * `max_*` hints, and counts accelerators. Everything that can make the task fail before it runs fails here.
 */
export function resolveConstraints(
  requirements: Requirements,
  hints: Hints,
  capacity: BackendCapacity,
  options: ResolveOptions,
): Resolution {
  const warnings: string[] = [];
  const backend = options.backendName;
  const fit = (quantity: Quantity, requested: number, maximum: number, behavior: LimitBehavior = 'deny'): number => {
    if (requested <= maximum) return requested;
    if (behavior === 'try_with_max') {
      warnings.push(
        `${quantity.path}: clamped from ${quantity.show(requested)} to ${quantity.show(maximum)}, the most the ${backend} backend gives one task (${quantity.label} limit behavior try_with_max)`,
      );
      return maximum;
    }
    throw new CapstanError(
      ErrorCode.ExceedsCapacity,
      `task requires ${quantity.show(requested)} but the ${backend} backend has at most ${quantity.show(maximum)} per task; ` +
        `lower ${quantity.path}` + (quantity.flag === null ? '' : `, or set the ${quantity.flag} limit behavior to try_with_max to clamp`),
      { path: quantity.path, details: { value: requested, limit: maximum } },
    );
  };

  const cpu = fit(CPU, requirements.cpu, capacity.perTaskMax.cpu, options.cpuLimitBehavior);
  const memory = fit(MEMORY, requirements.memory, capacity.perTaskMax.memory, options.memoryLimitBehavior);
  const cpuLimit = limitFromHint(hints.maxCpu, cpu, capacity.perTaskMax.cpu, { ...CPU, path: 'hints.max_cpu' }, backend, warnings);
  const memoryLimit = limitFromHint(hints.maxMemory, memory, capacity.perTaskMax.memory, { ...MEMORY, path: 'hints.max_memory' }, backend, warnings);

  const gpu = acceleratorCount('gpu', requirements.gpu, hints.gpu, warnings);
  const fpga = acceleratorCount('fpga', requirements.fpga, hints.fpga, warnings);
  requireAccelerator('GPU', 'requirements.gpu', gpu, capacity.perTaskMax.gpu, backend);
  requireAccelerator('FPGA', 'requirements.fpga', fpga, capacity.fpga, backend);

  const constraints: Constraints = {
    ...resolveContainers(requirements.container, capacity, options, warnings),
    cpu,
    memory,
    cpuLimit,
    memoryLimit,
    gpu: gpu.count === 0 ? 0 : fit(GPU, gpu.count, capacity.perTaskMax.gpu, options.gpuLimitBehavior),
    gpuSpec: gpu.spec,
    fpga: fpga.count === 0 ? 0 : fit(FPGA, fpga.count, capacity.fpga),
    fpgaSpec: fpga.spec,
    ...resolveDisks(requirements, hints),
  };
  return { constraints, warnings };
}

function limitFromHint(
  hint: number | undefined,
  request: number,
  maximum: number,
  quantity: Quantity,
  backend: string,
  warnings: string[],
): number | null {
  if (hint === undefined) return null;
  let limit = hint;
  if (limit > maximum) {
    warnings.push(`${quantity.path}: limit lowered from ${quantity.show(limit)} to ${quantity.show(maximum)}, the most the ${backend} backend gives one task`);
    limit = maximum;
  }
  if (limit < request) {
    throw new CapstanError(
      ErrorCode.LimitBelowRequest,
      `the limit of ${quantity.show(limit)} is below the request of ${quantity.show(request)}; ` +
        `raise ${quantity.path} to at least the request, or lower the request`,
      { path: quantity.path, details: { value: limit, limit: request } },
    );
  }
  return limit;
}

function acceleratorCount(
  name: 'gpu' | 'fpga',
  required: boolean,
  hint: AcceleratorHint | undefined,
  warnings: string[],
): { count: number; spec: string | null } {
  if (!required) {
    if (hint !== undefined) warnings.push(`hints.${name}: ignored, because requirements.${name} is false`);
    return { count: 0, spec: null };
  }
  if (hint === undefined) return { count: 1, spec: null };
  if ('spec' in hint) return { count: 1, spec: hint.spec };
  return { count: Math.max(1, hint.count), spec: null };
}

function requireAccelerator(label: string, path: string, wanted: { count: number }, available: number, backend: string): void {
  if (wanted.count > 0 && available === 0) {
    throw new CapstanError(
      ErrorCode.AcceleratorUnavailable,
      `task requires a ${label} but the ${backend} backend has none; run it on a backend with ${label}s, or set ${path} to false`,
      { path, details: { value: wanted.count, limit: 0 } },
    );
  }
}

function resolveContainers(
  candidates: readonly ContainerSource[],
  capacity: BackendCapacity,
  options: ResolveOptions,
  warnings: string[],
): Pick<Constraints, 'containers' | 'skippedContainers'> {
  const containers: ContainerSource[] = [];
  const skippedContainers: SkippedContainer[] = [];
  for (const written of candidates) {
    const candidate = written.kind === 'any' && options.defaultContainer !== undefined ? parseContainerSource(options.defaultContainer) : written;
    const reason =
      candidate.problem ??
      (capacity.containerKinds.includes(candidate.kind)
        ? undefined
        : candidate.kind === 'any'
          ? `means any environment, and no default container is configured for the ${options.backendName} backend (set a default container)`
          : `is a ${candidate.kind} image, which the ${options.backendName} backend cannot run (it runs ${capacity.containerKinds.join(', ') || 'none'})`);
    if (reason === undefined) containers.push(candidate);
    else skippedContainers.push({ uri: written.uri, reason: `"${candidate.uri}" ${reason}` });
  }
  if (containers.length === 0) {
    const listed = skippedContainers.map((skip, index) => `  ${index + 1}. ${skip.reason}`).join('\n');
    throw new CapstanError(
      ErrorCode.NoUsableContainer,
      `none of the ${skippedContainers.length} container candidate${skippedContainers.length === 1 ? '' : 's'} can run on the ${options.backendName} backend:\n${listed}\n` +
        'add a candidate the backend can run, or choose another backend',
      { path: 'requirements.container', details: { candidates: skippedContainers } },
    );
  }
  for (const skip of skippedContainers) warnings.push(`requirements.container: skipped ${skip.reason}`);
  return { containers, skippedContainers };
}

function resolveDisks(requirements: Requirements, hints: Hints): Pick<Constraints, 'disks' | 'diskClasses'> {
  const disks: Record<string, number> = {};
  const diskClasses: Record<string, string> = {};
  for (const disk of requirements.disks) {
    disks[disk.mountPoint] = disk.bytes;
    const hinted = typeof hints.disks === 'string' ? hints.disks : hints.disks?.[disk.mountPoint];
    const diskClass = disk.diskClass ?? hinted;
    if (diskClass !== undefined) diskClasses[disk.mountPoint] = diskClass;
  }
  return { disks, diskClasses };
}
