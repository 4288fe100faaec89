import { replaceFileAtomically } from '@capstan/task-files';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * What Capstan knows of one submitted job that a later process needs to take it over: the scheduler's listing shows
 * ids and states (Grid Engine's and PBS's also a cut job name), never Capstan's labels or the attempt's files.
 */
const jobRecordSchema = z.strictObject({
  jobId: z.string().regex(/^[A-Za-z0-9_.@[\]-]{1,128}$/),
  profile: z.string().min(1),
  name: z.string().min(1),
  labels: z.record(z.string(), z.string()),
  statusFile: z.string().startsWith('/'),
  stdoutFile: z.string().startsWith('/'),
  stderrFile: z.string().startsWith('/'),
  memoryBytes: z.number().min(0),
  submittedAt: z.string(),
  /** When a process first saw the job running: a take-over's start time and what is left of its timeout. */
  startedAt: z.string().optional(),
  timeoutMs: z.number().int().positive().optional(),
});
export type JobRecord = z.output<typeof jobRecordSchema>;

/**
 * One small file per job this backend submitted and has not seen end, in a folder only Capstan writes (mode 0700,
 * files 0600): written right after the submit, removed once the job's result is known (or it is removed). A job the
 * scheduler lists without a record here is not Capstan's (or its submitter died before writing one) and is never
 * adopted.
 */
export class JobRecords {
  constructor(
    private readonly folder: string,
    private readonly profile: string,
  ) {}

  async write(record: JobRecord): Promise<void> {
    await mkdir(this.folder, { recursive: true, mode: 0o700 });
    await replaceFileAtomically(this.folder, this.fileName(record.jobId), `${JSON.stringify(record)}\n`, 0o600);
  }

  async remove(jobId: string): Promise<void> {
    await rm(join(this.folder, this.fileName(jobId)), { force: true });
  }

  /** Every readable record of this profile. */
  async all(): Promise<JobRecord[]> {
    const names = await readdir(this.folder).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [] as string[];
      throw error;
    });
    const records: JobRecord[] = [];
    for (const name of names) {
      if (!name.startsWith(`${this.profile}-`) || !name.endsWith('.json')) continue;
      const record = await this.readFile(name);
      if (record !== undefined) records.push(record);
    }
    return records;
  }

  async read(jobId: string): Promise<JobRecord | undefined> {
    return /^[A-Za-z0-9_.@[\]-]{1,128}$/.test(jobId) ? this.readFile(this.fileName(jobId)) : undefined;
  }

  /** The record in this file, or undefined for one that is none (cut, edited, another profile's, another job's). */
  private async readFile(name: string): Promise<JobRecord | undefined> {
    const text = await readFile(join(this.folder, name), 'utf8').catch(() => '');
    try {
      const parsed = jobRecordSchema.safeParse(JSON.parse(text));
      return parsed.success && parsed.data.profile === this.profile && name === this.fileName(parsed.data.jobId) ? parsed.data : undefined;
    } catch {
      // Not JSON: writes are atomic, so this was never a record of ours.
      return undefined;
    }
  }

  private fileName(jobId: string): string {
    return `${this.profile}-${jobId}.json`;
  }
}
