import { type BatchProfile, type JobPhase } from './profiles';

/** One job as a status call shows it. */
export interface JobLine {
  readonly state: string;
  /** The exit code, when the status output carries it. */
  readonly exit?: number;
  /** The job's name, where the output carries it (maybe cut short: Grid Engine's qstat keeps 10 characters). */
  readonly name?: string;
}

/** The end reason a sign names. */
export type Sign = 'oom' | 'timeout' | 'preempted';

/**
 * The jobs of a status call's output, by id, from the lines that match the profile's statusLine; any other line
 * (headers, junk, a job id the pattern does not take) is ignored.
 */
export function parseStatus(output: string, profile: Pick<BatchProfile, 'statusLine'>): Map<string, JobLine> {
  const line = new RegExp(profile.statusLine);
  const jobs = new Map<string, JobLine>();
  for (const text of output.split('\n')) {
    const groups = line.exec(text.replace(/\r$/, ''))?.groups;
    if (groups?.['id'] === undefined || groups['state'] === undefined) continue;
    const exit = groups['exit'] === undefined ? undefined : exitCode(groups['exit']);
    const name = groups['name'] === undefined || groups['name'] === '' ? undefined : groups['name'];
    jobs.set(groups['id'], { state: groups['state'], ...(exit === undefined ? {} : { exit }), ...(name === undefined ? {} : { name }) });
  }
  return jobs;
}

/** What the finished command says of one job: its state and exit code, when its output carries them. */
export function parseFinished(output: string, profile: Pick<BatchProfile, 'finishedState' | 'finishedExit'>): { state?: string; exit?: number } {
  const state = profile.finishedState === undefined ? undefined : new RegExp(profile.finishedState, 'm').exec(output)?.groups?.['state'];
  const exitText = profile.finishedExit === undefined ? undefined : new RegExp(profile.finishedExit, 'm').exec(output)?.groups?.['exit'];
  const exit = exitText === undefined ? undefined : exitCode(exitText);
  return { ...(state === undefined ? {} : { state }), ...(exit === undefined ? {} : { exit }) };
}

/** Capstan's phase of a scheduler state; undefined for a state the table does not know. */
export function phaseOf(state: string, profile: Pick<BatchProfile, 'states'>): JobPhase | undefined {
  return Object.hasOwn(profile.states, state) ? profile.states[state] : undefined;
}

/** The first sign (memory, time limit, preemption) found in what the scheduler said of a job. */
export function signIn(text: string, profile: Pick<BatchProfile, 'signs'>): Sign | undefined {
  for (const sign of ['oom', 'timeout', 'preempted'] as const) {
    if (profile.signs[sign].some((pattern) => new RegExp(pattern, 'm').test(text))) return sign;
  }
  return undefined;
}

/** The job id in submit's output (the pattern's first group), if it is one the templates can carry. */
export function jobIdIn(output: string, profile: Pick<BatchProfile, 'jobIdPattern'>): string | undefined {
  const id = new RegExp(profile.jobIdPattern, 'm').exec(output)?.[1];
  return id !== undefined && /^[A-Za-z0-9_.@[\]-]{1,128}$/.test(id) ? id : undefined;
}

function exitCode(text: string): number | undefined {
  if (!/^-?[0-9]{1,10}$/.test(text)) return undefined;
  const code = Number(text);
  return code >= 0 && code <= 255 ? code : undefined;
}
