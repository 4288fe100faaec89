import { type ResourceUsage } from '@capstan/core-constraints';
import { type UsageReading } from '@capstan/support';
import { definedOnly, parseStepUsage, SACCT_FIELDS, type StepUsage } from './job-usage';
import { StepSampler } from './step-sampler';
import { type SlurmCli } from './slurm-cli';

/** How long sacct is asked again after a job's end, while its record lags (tests shorten it). */
export interface AccountingOptions {
  /** How many times sacct is asked after the end before the usage is marked partial (its record lags the end). */
  readonly finalAttempts?: number;
  /** Milliseconds between two of those asks. */
  readonly retryDelayMs?: number;
}

/** What sacct said after the end: the batch step's usage, or why there is none. */
export type FinalUsage = { readonly usage: StepUsage; readonly problem?: undefined } | { readonly usage?: undefined; readonly problem: string };

/** Step states after which sacct's record is complete. */
const ENDED = /^(COMPLETED|FAILED|CANCELLED|TIMEOUT|OUT_OF_MEMORY|NODE_FAIL|PREEMPTED|DEADLINE|BOOT_FAIL)$/;

/**
 * Reads a job's usage from Slurm's accounting: its running batch step with `sstat` (through slurmd, no database; one
 * call for all metered jobs),
 * the final figures with `sacct` (through slurmdbd) after the end. Only job ids and fixed columns go on the command
 * line and come back in the answer: nothing a task names or writes can reach a parsed field.
 */
export class JobAccounting {
  private readonly attempts: number;
  private readonly delayMs: number;
  private readonly steps: StepSampler;

  constructor(
    private readonly cli: SlurmCli,
    options: AccountingOptions = {},
  ) {
    this.attempts = options.finalAttempts ?? 8;
    this.delayMs = options.retryDelayMs ?? 500;
    this.steps = new StepSampler(cli);
  }

  /** Includes a running job in the shared sstat readings until the returned function is called. */
  meter(jobId: string, intervalMs: number): () => void {
    return this.steps.meter(jobId, intervalMs);
  }

  /** One reading of the running batch step (shared with the other jobs' meters); null when sstat does not find it running. */
  sample(jobId: string): Promise<UsageReading | null> {
    return this.steps.read(jobId);
  }

  /** The batch step's final usage from sacct, asked again while its record lags the end; never throws. */
  async final(jobId: string): Promise<FinalUsage> {
    let problem = 'sacct was not asked';
    for (let attempt = 1; attempt <= this.attempts; attempt += 1) {
      if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
      const result = await this.cli.run('sacct', ['--parsable2', '--noheader', `--format=${SACCT_FIELDS.join(',')}`, `--jobs=${jobId}`], { timeoutMs: 15_000 });
      if (result.code !== 0) {
        problem = `sacct failed (${result.spawnError?.code ?? `exit code ${result.code ?? 'none'}`}): ${lastLines(result.stderr || result.stdout)}`;
        continue;
      }
      let step: StepUsage | undefined;
      try {
        step = parseStepUsage(result.stdout, SACCT_FIELDS, jobId);
      } catch (error) {
        // A malformed answer does not mend itself: no retry, and no number from it.
        return { problem: `sacct's answer for job ${jobId} could not be read: ${(error as Error).message}` };
      }
      if (step !== undefined && ENDED.test(step.state ?? '')) return { usage: step };
      problem = step === undefined ? `sacct has no record of job ${jobId}'s batch step yet` : `sacct still shows job ${jobId}'s batch step as ${step.state ?? 'unknown'}`;
    }
    return { problem: `${problem} (asked ${this.attempts} times over ${((this.attempts - 1) * this.delayMs) / 1000} s)` };
  }
}

/**
 * The attempt's usage: the readings taken while it ran, completed by sacct's final figures (which win for CPU, being
 * the step's rusage with milliseconds). Without them the readings stand, marked partial with the reason.
 */
export function mergeFinalUsage(sampled: ResourceUsage | undefined, final: FinalUsage): ResourceUsage {
  const base: ResourceUsage = sampled ?? { samples: 0 };
  if (final.usage === undefined) {
    return { ...base, partial: `no final usage from Slurm's accounting (${final.problem}): ${base.samples > 0 ? 'the figures are what sstat read while the job ran, lower bounds' : 'nothing was read'}` };
  }
  const step = final.usage;
  const user = step.cpuUserSeconds;
  const system = step.cpuSystemSeconds;
  const cpu = user !== undefined && system !== undefined ? user + system : step.cpuSeconds;
  // sacct's Elapsed is in whole seconds: the sampled span can be the longer, and CPU must not exceed wall for one CPU.
  const wall = maxOf(base.wallSeconds, step.elapsedSeconds);
  const { partial: _dropped, ...complete } = base;
  return definedOnly({
    ...complete,
    peakMemoryBytes: maxOf(base.peakMemoryBytes, step.peakMemoryBytes),
    cpuUserSeconds: user ?? base.cpuUserSeconds,
    cpuSystemSeconds: system ?? base.cpuSystemSeconds,
    cpuPercentMean: cpu === undefined || wall === undefined || wall <= 0 ? base.cpuPercentMean : Math.round((100_000 * cpu) / wall) / 1000,
    readBytes: maxOf(base.readBytes, step.readBytes),
    writtenBytes: maxOf(base.writtenBytes, step.writtenBytes),
    wallSeconds: wall,
    samples: base.samples + 1,
  });
}

function maxOf(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.max(a, b);
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-2).join(' ') || 'no message';
}
