import { CapstanError, ErrorCode, type AdmissionEvent, type ResourceAmounts } from '@capstan/core-constraints';
import { toLedgerUnits, type LedgerUnits } from './ledger-units';
import { validateAmounts } from './validate-amounts';
import { accountedResources } from './admission-errors';

export interface ResourceLedgerOptions {
  /** Total cpu cores (fractions allowed), memory bytes and GPU count the ledger hands out. */
  capacity: ResourceAmounts;
  /** The most a single task may request; larger requests are rejected at once. Defaults to `capacity`. */
  perTaskMax?: ResourceAmounts;
  /** An optional cap on tasks running at once (the `tasks` resource in events). */
  maxConcurrentTasks?: number;
  /**
   * The cluster schedules itself: cpu, memory and GPUs are not limited (only `perTaskMax` is checked), so tasks are
   * admitted at once. `maxConcurrentTasks`, when also given, still applies.
   */
  unlimited?: boolean;
  /**
   * How many distinct request shapes, in queue order, one wake-up examines for backfill (default 64; 1 turns
   * backfill off). Bounds a wake-up at O(depth * log shapes) when thousands of distinct shapes wait.
   */
  backfillDepth?: number;
  /** Clock in milliseconds, injectable for tests. Defaults to `performance.now`. */
  now?: () => number;
  /** Told about a listener that threw; defaults to a process warning. The ledger carries on either way. */
  onListenerError?: (error: unknown, event: AdmissionEvent) => void;
}

/** The ceiling admission compares against: Infinity where nothing is accounted. */
export interface AdmissionLimit extends LedgerUnits {
  readonly tasks: number;
}

export interface LedgerSettings {
  readonly capacity: ResourceAmounts;
  readonly perTaskMax: ResourceAmounts;
  readonly perTaskMaxUnits: LedgerUnits;
  readonly limit: AdmissionLimit;
  readonly backfillDepth: number;
  readonly now: () => number;
  readonly onListenerError: (error: unknown, event: AdmissionEvent) => void;
}

export const defaultBackfillDepth = 64;

function invalidOption(path: string, message: string): CapstanError {
  return new CapstanError(ErrorCode.InvalidValue, message, { path });
}

function wholeNumberAtLeastOne(value: number | undefined, path: string): void {
  if (value !== undefined && !(Number.isInteger(value) && value >= 1)) {
    throw invalidOption(path, `${path} must be a whole number >= 1, got ${String(value)}.`);
  }
}

function warnAboutListener(error: unknown, event: AdmissionEvent): void {
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.emitWarning(`A resource manager event listener threw on a '${event.type}' event: ${detail}`);
}

function checkPerTaskMaxFits(capacity: ResourceAmounts, perTaskMax: ResourceAmounts): void {
  for (const resource of accountedResources) {
    if (perTaskMax[resource] > capacity[resource]) {
      throw invalidOption(
        `perTaskMax.${resource}`,
        `perTaskMax.${resource} (${perTaskMax[resource]}) is above capacity.${resource} (${capacity[resource]}): ` +
          `a task that large would wait forever. Lower perTaskMax.${resource}, or set unlimited when the cluster schedules itself.`,
      );
    }
  }
}

/** Validates the options (throwing `value.invalid` with the offending path) and derives the ledger's settings. */
export function settingsFrom(options: ResourceLedgerOptions): LedgerSettings {
  validateAmounts(options.capacity, 'capacity');
  if (options.capacity.cpu === 0 || options.capacity.memory === 0) {
    throw invalidOption('capacity', 'capacity.cpu and capacity.memory must be above 0: no task could ever start.');
  }
  const capacity = Object.freeze({ ...options.capacity });
  const perTaskMax = Object.freeze({ ...(options.perTaskMax ?? capacity) });
  validateAmounts(perTaskMax, 'perTaskMax');
  const unlimited = options.unlimited ?? false;
  if (!unlimited) checkPerTaskMaxFits(capacity, perTaskMax);
  wholeNumberAtLeastOne(options.maxConcurrentTasks, 'maxConcurrentTasks');
  wholeNumberAtLeastOne(options.backfillDepth, 'backfillDepth');

  const tasks = options.maxConcurrentTasks ?? Number.POSITIVE_INFINITY;
  const accounted = toLedgerUnits(capacity, 'down');
  const limit = unlimited
    ? { cpuMilli: Number.POSITIVE_INFINITY, memory: Number.POSITIVE_INFINITY, gpu: Number.POSITIVE_INFINITY, tasks }
    : { ...accounted, tasks };
  return {
    capacity,
    perTaskMax,
    perTaskMaxUnits: toLedgerUnits(perTaskMax, 'down'),
    limit,
    backfillDepth: options.backfillDepth ?? defaultBackfillDepth,
    now: options.now ?? (() => performance.now()),
    onListenerError: options.onListenerError ?? warnAboutListener,
  };
}
