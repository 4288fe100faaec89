import { type CommandTemplate } from './template';

/** Capstan's view of a scheduler's job state. */
export const JOB_PHASES = ['queued', 'running', 'done', 'failed', 'preempted', 'lost'] as const;
export type JobPhase = (typeof JOB_PHASES)[number];

/** How one scheduler is driven: the commands, and how their output is read. Regular expressions are strings (config). */
export interface BatchProfile {
  /** Submits the job script; its stdout holds the job id. */
  readonly submit: CommandTemplate;
  /** Finds the job id in submit's stdout: its first capturing group. */
  readonly jobIdPattern: string;
  /** The state of every job at once ({job_ids} or {job_ids_csv}, or no ids: all of the user's jobs). One call a poll. */
  readonly status: CommandTemplate;
  /** A line of status output: named groups `id` and `state` (and optionally `exit`, `name`); other lines are ignored. */
  readonly statusLine: string;
  /**
   * Lists every unfinished job of this user (no ids), read with `statusLine`: how a later process finds the jobs an
   * earlier one left. A `name` group, where the listing has one (maybe cut short), must start the job's name.
   */
  readonly list: CommandTemplate;
  /** A failed status call whose output matches this knows none of the jobs any more (Slurm's squeue does that). */
  readonly noJobsPattern?: string;
  /** Run once for a job that left the status listing without a status file: why it ended ({job_id}). */
  readonly finished?: CommandTemplate;
  /** In finished's output: named group `state` (looked up in `states`). */
  readonly finishedState?: string;
  /** In finished's output: named group `exit`, the exit code. */
  readonly finishedExit?: string;
  /** Cancels jobs ({job_ids}); the scheduler signals the job script, which stops the container within the grace period. */
  readonly cancel: CommandTemplate;
  /** The scheduler's states (status, finished) to Capstan's. A state not listed leaves the job as it was, with a warning. */
  readonly states: Readonly<Record<string, JobPhase>>;
  /** Patterns searched in the state and in finished's output, naming why a job ended that left no exit code of its own. */
  readonly signs: { readonly oom: readonly string[]; readonly timeout: readonly string[]; readonly preempted: readonly string[] };
}

export const PROFILE_NAMES = ['gridengine', 'slurm', 'lsf', 'pbs', 'htcondor'] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

/**
 * Grid Engine (SGE, Son of Grid Engine, Univa/Altair): qsub, qstat, qacct, qdel. `-notify` makes qdel send SIGUSR2
 * before its SIGKILL (after the queue's `notify` time), so that the job script stops the container itself; CPUs are
 * slots of a parallel environment named `smp` ($pe_slots); memory is `mem_free` (h_vmem would also cap the virtual
 * memory of the container runtime's own Go processes, which reserve far more than they use).
 */
const gridengine: BatchProfile = {
  submit: [
    'qsub', '-terse', '-notify', '-S', '/bin/sh', '-N', '{job_name}', '-o', '{stdout}', '-e', '{stderr}', '-wd', '{work_dir}',
    ['-pe', 'smp', '{cpus}'], ['-l', 'mem_free={memory_mb}M'], ['-l', 'h_rt={time_limit_hms}'], ['-l', 'gpu={gpus}'], ['-q', '{queue}'], ['-v', '{env_names}'],
    '{script}',
  ],
  jobIdPattern: '^([0-9]+)',
  status: ['qstat'],
  statusLine: '^\\s*(?<id>[0-9]+)\\s+[0-9.]+\\s+(?<name>\\S+)\\s+\\S+\\s+(?<state>[a-zA-Z]+)\\s',
  list: ['qstat'],
  finished: ['qacct', '-j', '{job_id}'],
  finishedState: '^failed\\s+(?<state>[0-9]+)',
  finishedExit: '^exit_status\\s+(?<exit>[0-9]+)',
  cancel: ['qdel', '{job_ids}'],
  states: {
    qw: 'queued', hqw: 'queued', hRwq: 'queued', Rq: 'queued', t: 'running', r: 'running', Rr: 'running', Rt: 'running', s: 'running', S: 'running', T: 'running',
    ts: 'running', dr: 'running', dt: 'running', dRr: 'running', ds: 'running', Eqw: 'failed', Ehqw: 'failed', EhRqw: 'failed',
    // qacct's `failed`: 0 is a job that ran to its end (its exit_status says how); 100 one ended by a signal or a limit.
    '0': 'done', '100': 'failed',
  },
  signs: { oom: [], timeout: [], preempted: [] },
};

/** Slurm through the template backend, to compare with the native slurm backend on the same cluster. */
const slurm: BatchProfile = {
  submit: [
    'sbatch', '--parsable', '--job-name={job_name}', '--output={stdout}', '--error={stderr}', '--chdir={work_dir}', '--export=ALL',
    ['--cpus-per-task={cpus}'], ['--mem={memory_mb}M'], ['--time={time_limit_minutes}'], ['--gres=gpu:{gpus}'], ['--partition={queue}'],
    '{script}',
  ],
  jobIdPattern: '^([0-9]+)',
  status: ['squeue', '--noheader', '--states=all', '--jobs={job_ids_csv}', '--format=%i|%T|'],
  statusLine: '^(?<id>[0-9]+)\\|(?<state>[A-Z_]+)\\|(?<name>[^|]*)',
  list: ['squeue', '--me', '--noheader', '--format=%i|%T|%j'],
  noJobsPattern: 'Invalid job id',
  finished: ['sacct', '--noheader', '--parsable2', '--allocations', '--jobs={job_id}', '--format=JobID,State,ExitCode'],
  finishedState: '^[0-9]+\\|(?<state>[A-Z_]+)',
  finishedExit: '\\|(?<exit>[0-9]+):[0-9]+$',
  cancel: ['scancel', '{job_ids}'],
  states: {
    PENDING: 'queued', CONFIGURING: 'queued', REQUEUED: 'queued', REQUEUE_HOLD: 'queued', REQUEUE_FED: 'queued', RESV_DEL_HOLD: 'queued',
    RUNNING: 'running', COMPLETING: 'running', SUSPENDED: 'running', STOPPED: 'running', RESIZING: 'running', SIGNALING: 'running', STAGE_OUT: 'running',
    COMPLETED: 'done', FAILED: 'failed', CANCELLED: 'failed', TIMEOUT: 'failed', OUT_OF_MEMORY: 'failed', DEADLINE: 'failed', SPECIAL_EXIT: 'failed',
    PREEMPTED: 'preempted', NODE_FAIL: 'lost', BOOT_FAIL: 'lost', REVOKED: 'lost',
  },
  signs: { oom: ['OUT_OF_MEMORY'], timeout: ['TIMEOUT', 'DEADLINE'], preempted: ['PREEMPTED'] },
};

/** IBM Spectrum LSF: bsub, bjobs, bkill. Not run against a live LSF here: tested on documented output. */
const lsf: BatchProfile = {
  submit: [
    'bsub', '-J', '{job_name}', '-o', '{stdout}', '-e', '{stderr}', '-cwd', '{work_dir}', '-env', 'all',
    ['-n', '{cpus}'], ['-R', 'span[hosts=1]'], ['-M', '{memory_kb}'], ['-W', '{time_limit_minutes}'], ['-gpu', 'num={gpus}'], ['-q', '{queue}'],
    '{script}',
  ],
  jobIdPattern: '^Job <([0-9]+)> is submitted',
  status: ['bjobs', '-noheader', '-a', '-o', 'jobid stat exit_code', '{job_ids}'],
  statusLine: '^(?<id>[0-9]+)\\s+(?<state>[A-Z]+)\\s+(?<exit>[0-9]+|-)',
  list: ['bjobs', '-noheader', '-o', 'jobid stat exit_code'],
  finished: ['bjobs', '-l', '{job_id}'],
  finishedState: 'Status <(?<state>[A-Z]+)>',
  finishedExit: 'Exited with exit code (?<exit>[0-9]+)',
  cancel: ['bkill', '{job_ids}'],
  states: { PEND: 'queued', WAIT: 'queued', PROV: 'queued', RUN: 'running', PSUSP: 'queued', USUSP: 'running', SSUSP: 'running', DONE: 'done', EXIT: 'failed', UNKWN: 'lost', ZOMBI: 'lost' },
  signs: { oom: ['TERM_MEMLIMIT'], timeout: ['TERM_RUNLIMIT', 'TERM_CPULIMIT'], preempted: ['TERM_PREEMPT'] },
};

/** PBS Pro, OpenPBS and Torque: qsub, qstat, qdel. Not run against a live PBS here: tested on documented output. */
const pbs: BatchProfile = {
  submit: [
    'qsub', '-N', '{job_name}', '-o', '{stdout}', '-e', '{stderr}', '-V',
    ['-l', 'select=1:ncpus={cpus}:mem={memory_mb}mb'], ['-l', 'walltime={time_limit_hms}'], ['-l', 'ngpus={gpus}'], ['-q', '{queue}'],
    '{script}',
  ],
  jobIdPattern: '^([0-9]+\\.[A-Za-z0-9.-]+)',
  status: ['qstat', '-x', '{job_ids}'],
  statusLine: '^(?<id>[0-9]+\\.[A-Za-z0-9.-]+)\\s+(?<name>\\S+)\\s+\\S+\\s+\\S+\\s+(?<state>[A-Z])\\s',
  list: ['qstat'],
  finished: ['qstat', '-x', '-f', '{job_id}'],
  finishedState: 'job_state = (?<state>[A-Z])',
  finishedExit: '[Ee]xit_status = (?<exit>-?[0-9]+)',
  cancel: ['qdel', '{job_ids}'],
  states: { Q: 'queued', H: 'queued', W: 'queued', T: 'queued', M: 'queued', R: 'running', E: 'running', B: 'running', S: 'running', U: 'running', X: 'done', F: 'done', C: 'done' },
  signs: { oom: ['mem [0-9]+[kmgt]?b exceeded limit'], timeout: ['walltime [0-9]+ exceeded limit'], preempted: ['[Pp]reempted'] },
};

/** HTCondor: condor_submit (submit commands on its command line), condor_q, condor_history, condor_rm. Not run live here. */
const htcondor: BatchProfile = {
  submit: [
    'condor_submit', 'universe=vanilla', 'executable={script}', 'output={stdout}', 'error={stderr}', 'initialdir={work_dir}', 'getenv=true',
    'batch_name={job_name}', ['request_cpus={cpus}'], ['request_memory={memory_mb}'], ['request_gpus={gpus}'], ['+MaxRuntime={time_limit_seconds}'],
    '-queue', '1',
  ],
  jobIdPattern: 'submitted to cluster ([0-9]+)',
  status: ['condor_q', '{job_ids}', '-af:j', 'JobStatus'],
  statusLine: '^(?<id>[0-9]+)\\.0\\s+(?<state>[0-9])\\s*$',
  list: ['condor_q', '-af:j', 'JobStatus'],
  finished: ['condor_history', '{job_id}', '-limit', '1', '-af', 'JobStatus', 'ExitCode', 'RemoveReason', 'HoldReason'],
  finishedState: '^(?<state>[0-9])\\s',
  finishedExit: '^[0-9]\\s+(?<exit>[0-9]+)\\s',
  cancel: ['condor_rm', '{job_ids}'],
  // 1 idle, 2 running, 3 removed, 4 completed, 5 held, 6 transferring output, 7 suspended.
  states: { '1': 'queued', '2': 'running', '3': 'failed', '4': 'done', '5': 'queued', '6': 'running', '7': 'running' },
  signs: { oom: ['memory usage exceeded', 'over memory limit'], timeout: ['MaxRuntime', 'exceeded allowed run time'], preempted: ['[Ee]victed', '[Pp]reempted'] },
};

export const PROFILES: Readonly<Record<ProfileName, BatchProfile>> = { gridengine, slurm, lsf, pbs, htcondor };
