import { type UsageReading } from '@capstan/support';
import { parseStepUsages, SSTAT_FIELDS } from './job-usage';
import { type SlurmCli } from './slurm-cli';

interface Answer {
  readonly at: number;
  readonly ids: ReadonlySet<string>;
  readonly steps: Promise<Map<string, UsageReading>>;
}

/**
 * Reads the running batch steps of every metered job with ONE `sstat --jobs=ID.batch,...` and shares the answer: a
 * job's meter asking within `freshMs` of an answer that covered it gets that answer, so the calls follow the clock
 * (about two per interval), not the number of jobs. sstat prints the steps it found and an error line for each it did
 * not (not running yet, or ended): such a job reads as null.
 */
export class StepSampler {
  private readonly metered = new Map<string, number>();
  private last: Answer | undefined;

  constructor(
    private readonly cli: SlurmCli,
    private readonly now: () => number = Date.now,
  ) {}

  /** Includes the job in the shared readings until the returned function is called. */
  meter(jobId: string, intervalMs: number): () => void {
    this.metered.set(jobId, intervalMs);
    return () => {
      this.metered.delete(jobId);
    };
  }

  async read(jobId: string): Promise<UsageReading | null> {
    const fresh = this.last !== undefined && this.last.ids.has(jobId) && this.now() - this.last.at < this.freshMs();
    const answer = fresh && this.last !== undefined ? this.last : this.ask(jobId);
    return (await answer.steps).get(jobId) ?? null;
  }

  private freshMs(): number {
    const intervals = [...this.metered.values()].filter((interval) => interval > 0);
    return intervals.length === 0 ? 0 : Math.min(...intervals) / 2;
  }

  private ask(jobId: string): Answer {
    const ids = new Set([...this.metered.keys(), jobId]);
    const steps = this.cli
      .run('sstat', ['--parsable2', '--noheader', `--format=${SSTAT_FIELDS.join(',')}`, `--jobs=${[...ids].map((id) => `${id}.batch`).join(',')}`], { timeoutMs: 10_000 })
      .then((result) => {
        // With several steps asked for, sstat answers 0 and names the missing ones on stderr; with one, it fails.
        const onlyMissing = result.code !== 0 && result.stderr.split('\n').every((line) => line.trim() === '' || /not found running|no steps running|invalid job id/i.test(line));
        if (result.code !== 0 && !onlyMissing) {
          throw new Error(`sstat failed (${result.spawnError?.code ?? `exit code ${result.code ?? 'none'}`}): ${result.stderr.trim().split('\n').slice(-2).join(' ') || 'no message'}`);
        }
        const readings = new Map<string, UsageReading>();
        for (const [id, step] of parseStepUsages(result.stdout, SSTAT_FIELDS, ids)) {
          // sstat's CPU is in whole seconds: every per-interval CPU % would be a multiple of 100 / interval.
          const { peakMemoryBytes, readBytes, writtenBytes } = step;
          readings.set(id, Object.fromEntries(Object.entries({ peakMemoryBytes, readBytes, writtenBytes }).filter(([, value]) => value !== undefined)));
        }
        return readings;
      });
    const answer: Answer = { at: this.now(), ids, steps };
    this.last = answer;
    // A failed answer is not kept for others: the next reading asks again.
    steps.catch(() => {
      if (this.last === answer) this.last = undefined;
    });
    return answer;
  }
}
