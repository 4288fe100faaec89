import { type EndReason } from '@capstan/core-constraints';

/** One job as squeue reports it. */
export interface JobRecord {
  readonly id: string;
  /** Slurm's base state: PENDING, RUNNING, COMPLETING, COMPLETED, FAILED, CANCELLED, TIMEOUT, OUT_OF_MEMORY, ... */
  readonly state: string;
  /** The batch script's wait status as Slurm keeps it: exit code in bits 8-15, the killing signal in bits 0-6. */
  readonly exitStatus: number | null;
  readonly startTime: Date | null;
  readonly endTime: Date | null;
  readonly reason: string;
}

/**
 * squeue's fields, `|`-separated with no padding (`:0|`). The reason comes last: it is the only one that may hold
 * blanks or a `|` (e.g. "launch failed requeued held"), so everything after the fifth `|` is the reason.
 */
export const SQUEUE_FORMAT = 'JobID:0|,State:0|,exit_code:0|,StartTime:0|,EndTime:0|,Reason:0';

/** Parses the output of `squeue -h --states=all -j IDS -O SQUEUE_FORMAT`; lines that do not fit are skipped. */
export function parseSqueue(output: string): Map<string, JobRecord> {
  const jobs = new Map<string, JobRecord>();
  for (const line of output.split('\n')) {
    const fields = line.split('|');
    if (fields.length < 6) continue;
    const [id = '', state = '', exit = '', start = '', end = ''] = fields.map((field) => field.trim());
    if (!/^[0-9]+(_[0-9]+)?$/.test(id) || state === '') continue;
    jobs.set(id, {
      id,
      state: state.split(/[\s+]/)[0] ?? state,
      exitStatus: /^[0-9]+$/.test(exit) ? Number(exit) : null,
      startTime: parseSlurmTime(start),
      endTime: parseSlurmTime(end),
      reason: fields.slice(5).join('|').trim(),
    });
  }
  return jobs;
}

/** `2026-11-22T21:11:52` in the controller's local time; `N/A`, `Unknown`, `None` and blanks are null. */
export function parseSlurmTime(text: string): Date | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/.test(text)) return null;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** States a job never leaves. COMPLETING is not one: processes may still run until it ends. */
const TERMINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'OUT_OF_MEMORY', 'NODE_FAIL', 'BOOT_FAIL', 'PREEMPTED', 'DEADLINE', 'SPECIAL_EXIT', 'REVOKED']);

export function isTerminal(state: string): boolean {
  return TERMINAL.has(state);
}

/** The job's processes may be running (or about to): a timeout counts from here. */
export function isRunning(state: string): boolean {
  return state === 'RUNNING' || state === 'COMPLETING' || state === 'SUSPENDED' || state === 'STAGE_OUT';
}

/**
 * An exit code as shells give it: the batch script's own code, or 128 + the signal that killed it (Slurm's
 * `ExitCode=N:S`, here the raw wait status). Null when Slurm has none.
 */
export function decodeExitStatus(status: number | null): number | null {
  if (status === null) return null;
  const signal = status & 0x7f;
  return signal === 0 ? (status >> 8) & 0xff : 128 + signal;
}

/** Why a job ended, from its final Slurm state. */
export function endReasonOfState(state: string): EndReason {
  switch (state) {
    case 'OUT_OF_MEMORY':
      return 'oom';
    case 'TIMEOUT':
    case 'DEADLINE':
      return 'timeout';
    case 'PREEMPTED':
      return 'preempted';
    case 'NODE_FAIL':
    case 'BOOT_FAIL':
      return 'lost';
    case 'CANCELLED':
    case 'REVOKED':
      return 'canceled';
    case 'COMPLETED':
    case 'FAILED':
    case 'SPECIAL_EXIT':
      return 'exited';
    default:
      return 'error';
  }
}
