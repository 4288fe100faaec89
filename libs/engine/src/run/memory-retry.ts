import { type Backend, type Constraints } from '@capstan/core-constraints';
import { type TaskRun } from './task-run';

export interface MemoryEscalation {
  readonly constraints: Constraints;
  readonly memory: number;
  readonly memoryLimit: number | null;
  /** The backend's maximum for one task stopped the multiplication short. */
  readonly capped: boolean;
}

/**
 * The next attempt's memory after an `oom` end: request and limit multiplied by `factor`, whole bytes, never above
 * what the backend gives one task. Undefined when nothing would change (a factor of 1, or already at the maximum): a
 * retry then runs as before.
 */
export function escalateMemory(constraints: Constraints, factor: number, perTaskMax: number): MemoryEscalation | undefined {
  if (factor <= 1) return undefined;
  const grow = (bytes: number): number => Math.min(Math.ceil(bytes * factor), Math.max(bytes, perTaskMax));
  const memory = grow(constraints.memory);
  const memoryLimit = constraints.memoryLimit === null ? null : grow(constraints.memoryLimit);
  if (memory === constraints.memory && memoryLimit === constraints.memoryLimit) return undefined;
  const capped = memory < Math.ceil(constraints.memory * factor) || (memoryLimit !== null && memoryLimit < Math.ceil((constraints.memoryLimit ?? 0) * factor));
  return { constraints: { ...constraints, memory, memoryLimit }, memory, memoryLimit, capped };
}

/** The next attempt's constraints after an oom end: more memory when a multiplier is set, said in an event. */
export async function escalateAfterOom(run: TaskRun, backend: Backend, constraints: Constraints, factor: number, attempt: number, relet: (next: Constraints) => Promise<void>): Promise<Constraints> {
  if (factor <= 1) return constraints;
  const escalation = escalateMemory(constraints, factor, (await backend.capacity()).perTaskMax.memory);
  if (escalation === undefined) {
    run.warn(`attempt ${attempt} keeps ${constraints.memory} bytes of memory: the ${backend.name} backend gives one task no more`);
    return constraints;
  }
  await relet(escalation.constraints);
  run.emit({ type: 'memory-escalated', attempt, factor, memory: escalation.memory, memoryLimit: escalation.memoryLimit, capped: escalation.capped });
  return escalation.constraints;
}
