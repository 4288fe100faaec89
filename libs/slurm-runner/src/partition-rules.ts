import { type ExecutionRequest } from '@capstan/core-constraints';
import { type PartitionRules } from './slurm-backend-options';

export type PartitionRule = 'gpu' | 'fpga' | 'short' | 'default';

export interface PartitionChoice {
  /** Undefined: sbatch gets no --partition and Slurm uses the cluster's default partition. */
  readonly partition: string | undefined;
  /** The rule that chose it (`default` also when no rule names a partition). */
  readonly rule: PartitionRule;
}

export interface PartitionNeeds {
  readonly gpu: number;
  readonly fpga: number;
  readonly shortTask: boolean;
}

/**
 * The first rule that matches and names a partition: GPUs, then FPGAs, then short tasks, then the default. Accelerators
 * come first because a GPU task sent anywhere else cannot get its GPUs; a short GPU task still needs the GPU partition.
 */
export function choosePartition(rules: PartitionRules, needs: PartitionNeeds): PartitionChoice {
  if (needs.gpu > 0 && rules.gpu !== undefined) return { partition: rules.gpu, rule: 'gpu' };
  if (needs.fpga > 0 && rules.fpga !== undefined) return { partition: rules.fpga, rule: 'fpga' };
  if (needs.shortTask && rules.short !== undefined) return { partition: rules.short, rule: 'short' };
  return { partition: rules.default, rule: 'default' };
}

/**
 * Whether a task counts as short: the WDL `short_task` hint (the request's `shortTask`), or a timeout of at most
 * `shortTaskMaxMinutes` when that is configured.
 */
export function isShortTask(request: ExecutionRequest, shortTaskMaxMinutes: number | undefined): boolean {
  if (request.shortTask === true) return true;
  return shortTaskMaxMinutes !== undefined && request.timeoutMs !== undefined && request.timeoutMs <= shortTaskMaxMinutes * 60_000;
}

/** Every partition the rules can choose (undefined stands for the cluster's default partition). */
export function partitionsInRules(rules: PartitionRules): Array<string | undefined> {
  const named = [rules.gpu, rules.fpga, rules.short].filter((name): name is string => name !== undefined);
  return [...new Set([...named, rules.default])];
}
