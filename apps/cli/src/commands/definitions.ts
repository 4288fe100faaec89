import { type CommandSpec, HELP_FLAG } from '@capstan/cli-spec';
import { SERVE_COMMAND } from '@capstan/wiring';

const ENGINE = 'Engine options (each also settable in capstan.yaml or as CAPSTAN_... variables)';
const LIMIT_BEHAVIOURS = ['deny', 'try_with_max'] as const;

/** Flags every command that wires an engine accepts, and the config keys they set. */
export const ENGINE_FLAGS = {
  backend: {
    type: 'string',
    value: 'NAME',
    help: 'backend tasks run on; auto takes docker, podman, apptainer, the first that answers, else local',
    choices: ['auto', 'docker', 'podman', 'apptainer', 'local', 'slurm', 'batch', 'tes'],
    shownDefault: 'auto',
    configKey: 'backend',
    group: ENGINE,
  },
  config: { type: 'string', value: 'FILE', help: 'configuration file', shownDefault: './capstan.yaml, then ~/.config/capstan/config.yaml', group: ENGINE },
  'work-root': { type: 'string', value: 'DIR', help: 'where run folders go (latest links to the newest)', shownDefault: './capstan-runs', configKey: 'workRoot', group: ENGINE },
  'output-dir': { type: 'string', value: 'DIR', help: 'where declared outputs are published, with outputs.json; retention never deletes them; an s3:// or gs:// prefix uploads them (transfer: section)', shownDefault: 'outputs/ in the run folder', configKey: 'outputDir', group: ENGINE },
  'default-container': { type: 'string', value: 'URI', help: 'what "*" (any container) means', configKey: 'defaultContainer', group: ENGINE },
  'cpu-limit-behavior': { type: 'string', value: 'B', help: 'a cpu request above what the backend gives one task: refuse it, or run with the most it gives', choices: LIMIT_BEHAVIOURS, shownDefault: 'deny', configKey: 'limits.cpu', group: ENGINE },
  'memory-limit-behavior': { type: 'string', value: 'B', help: 'the same for memory', choices: LIMIT_BEHAVIOURS, shownDefault: 'deny', configKey: 'limits.memory', group: ENGINE },
  'gpu-limit-behavior': { type: 'string', value: 'B', help: 'the same for GPUs', choices: LIMIT_BEHAVIOURS, shownDefault: 'deny', configKey: 'limits.gpu', group: ENGINE },
  retention: { type: 'string', value: 'P', help: 'what happens to attempt folders when a task ends', choices: ['keep', 'delete-on-success', 'delete-always'], shownDefault: 'keep', configKey: 'retention', group: ENGINE },
  'batch-profile': {
    type: 'string',
    value: 'NAME',
    help: 'the scheduler the batch backend drives (docs/batch.md)',
    choices: ['gridengine', 'slurm', 'lsf', 'pbs', 'htcondor'],
    shownDefault: 'gridengine',
    configKey: 'batch.profile',
    group: ENGINE,
  },
  'pull-policy': { type: 'string', value: 'P', help: 'when the docker backend pulls images', choices: ['if-not-present', 'always', 'never'], shownDefault: 'if-not-present', configKey: 'docker.pullPolicy', group: ENGINE },
  shell: { type: 'string', value: 'PROGRAM', help: 'shell that runs the command (a task\'s "shell" hint wins)', shownDefault: 'bash', configKey: 'shell', group: ENGINE },
  timeout: { type: 'string', value: 'SECONDS', help: 'end every attempt after this long (a task\'s "timeout" hint wins)', configKey: 'timeoutSeconds', number: true, group: ENGINE },
  'usage-interval': { type: 'string', value: 'SECONDS', help: 'seconds between readings of a running attempt\'s CPU, memory and I/O (usage events); 0: none while it runs', shownDefault: '5', configKey: 'usageIntervalSeconds', number: true, group: ENGINE },
} as const;

/** `--json` of the commands that print one object. */
const JSON_FLAG = { type: 'boolean', help: 'print one JSON object on stdout' } as const;

const QUICK = 'Quick form (capstan run [--image IMAGE] -- COMMAND ARGS...)';

export const RUN_COMMAND = {
  name: 'run',
  summary: 'run tasks in containers (or: run [--image IMAGE] -- COMMAND ARGS...)',
  usage: [
    'run <task-file>... [options]',
    'run [--image IMAGE] [--input SRC[:DEST]]... [--output GLOB]... [options] -- COMMAND [ARGS...]',
  ],
  description: `Runs tasks to their end and prints their progress, then a summary. Several task files share the machine: they
queue and run as capacity allows. Ctrl-C once: no new task starts and running ones stop gracefully; twice: kill now.

The quick form runs one command given after "--". Without --image it runs as container "*": on the local backend, or
in the configured default container (--default-container).

Exit code: 0 when every task succeeded; else the exit code of the first task (in the order given) that failed,
1 if it had none (e.g. out of memory), 69 if it was lost (the runtime stopped answering, or another tool killed its
container), 130 if canceled, or Capstan's own code (see the README) if it could not run. SIGTERM and SIGHUP (a
closed terminal) stop the tasks like Ctrl-C.

Resource usage: backends that report it (docker, podman, apptainer, local; see capstan doctor) read each running
attempt's memory, CPU and I/O every --usage-interval seconds ("usage" events with --json) and put the totals in
each attempt's result (attempts[].usage) and in the summary. Fields a backend cannot read are left out; "partial"
says why figures are missing. Docker and Podman answer a stopped container's stats with an empty reading and
remove its cgroup at once, so a task shorter than one interval would report nothing: with the cgroupfs driver and
a rootful daemon on this host's socket, each attempt's container is made inside a cgroup of its own
(/capstan-attempts/<container>), read once more after the container ended (peak memory, CPU seconds, block I/O; on
Podman its conmon, a few MiB, is counted too) and removed with the container (one left behind, by a kept container
or a killed Capstan, is removed by the next Capstan process once empty and 10 minutes old). With the systemd
driver, a rootless or a remote daemon there is no such last reading, and a task that ended before its first
reading has "partial" usage. The slurm backend's Apptainer jobs are read from the cluster's accounting; Docker and
Podman jobs of the slurm and batch backends, whose containers run under their daemon outside the job, get the same
cgroup of their own from the job script, which copies its files into the attempt's job folder (no mount of the
container) after the end: final usage only, "partial" when the copy is missing or garbled (the next job on the node
removes one a killed job left, once empty and 10 minutes old). The batch backend's Apptainer jobs report no usage.
The summary adds a right-sizing line on an
out-of-memory end; for a memory peak under 25% of a request of 512 MiB or more, or above the request; and, for
attempts of 10 s or more, for a mean CPU under 25% of a request of 2 CPUs or more, or above 1.5 times the request.`,
  positionals: 'file',
  flags: {
    json: { type: 'boolean', help: 'print the event stream as NDJSON on stdout, then a summary object' },
    help: HELP_FLAG,
    image: { type: 'string', value: 'IMAGE', help: 'the container image the command runs in', shownDefault: '"*", any container', group: QUICK },
    cpu: { type: 'string', value: 'N', help: 'CPUs the task requests', group: QUICK },
    memory: { type: 'string', value: 'SIZE', help: 'memory the task requests, e.g. 1GiB', group: QUICK },
    name: { type: 'string', value: 'NAME', help: 'the task\'s name', shownDefault: 'the command\'s file name', group: QUICK },
    env: { type: 'string', value: 'K=V', multiple: true, help: 'an environment variable of the task', group: QUICK },
    input: { type: 'string', value: 'SRC[:DEST]', multiple: true, help: 'a host file or folder, or an s3:// or gs:// object (a prefix ending in /), the task reads, at DEST (an absolute path) in the task; without DEST at /mnt/task/inputs/<its name>', group: QUICK },
    output: { type: 'string', value: 'GLOB', multiple: true, help: 'files the task leaves in its work folder to keep as outputs', group: QUICK },
    retries: { type: 'string', value: 'N', help: 'run a failed task again up to N times (0 to 20)', shownDefault: '0', group: QUICK },
    ...ENGINE_FLAGS,
  },
} as const satisfies CommandSpec;

export const PLAN_COMMAND = {
  name: 'plan',
  summary: 'resolve a task on a backend and print what would run',
  usage: ['plan <task-file> [options]'],
  description: 'Resolves a task on a backend without running it and prints what would run.',
  positionals: 'file',
  flags: {
    json: { type: 'boolean', help: 'print one JSON object on stdout (also on error)' },
    help: HELP_FLAG,
    ...ENGINE_FLAGS,
  },
} as const satisfies CommandSpec;

export const DOCTOR_COMMAND = {
  name: 'doctor',
  summary: 'probe every backend: capacity, what it enforces, what is missing and how to fix it',
  usage: ['doctor [--config FILE] [--json]'],
  description: `Probes every backend Capstan knows: whether it answers, its version and capacity, what it can enforce, and what is
missing with how to fix it. Exits 0 when the configured backend (or the one "auto" picks) is available, 69 if not.`,
  flags: {
    config: ENGINE_FLAGS.config,
    json: JSON_FLAG,
    help: HELP_FLAG,
  },
} as const satisfies CommandSpec;

export const CLEANUP_COMMAND = {
  name: 'cleanup',
  summary: 'remove containers (or old run folders) left behind by Capstan processes that are gone',
  usage: ['cleanup [--backend NAME] [--config FILE] [--dry-run] [--json]', 'cleanup --runs [--older-than 7d] [--work-root DIR] [--config FILE] [--dry-run] [--json]'],
  description: `Removes every Capstan-labelled container (on every backend that keeps them, or the one named) whose owner process
on this host is gone, and prints what it removed. Containers of running Capstan processes and of other hosts are
left alone, and so are a TES server's (they carry its data folder as holder): that server takes them over when it
starts again; cleanup names each one it skipped and why. --dry-run removes nothing and prints what it would do.

--runs removes run folders under the work root (default: the configured workRoot) older than --older-than
(m, h or d; default 7d), and nothing else: links and folders Capstan does not make are skipped, named.`,
  flags: {
    backend: { ...ENGINE_FLAGS.backend, help: 'clean only this backend', shownDefault: 'every backend that keeps containers', group: 'Options' },
    config: { ...ENGINE_FLAGS.config, group: 'Options' },
    'dry-run': { type: 'boolean', help: 'remove nothing; print what would be removed' },
    runs: { type: 'boolean', help: 'remove old run folders instead of containers' },
    'older-than': { type: 'string', value: 'AGE', help: 'with --runs: the age (m, h or d) past which a run folder goes', default: '7d' },
    'work-root': { ...ENGINE_FLAGS['work-root'], help: 'with --runs: the folder holding the run folders', shownDefault: 'the configured workRoot', group: 'Options' },
    json: JSON_FLAG,
    help: HELP_FLAG,
  },
} as const satisfies CommandSpec;

const WORK_ROOT_FLAG = { ...ENGINE_FLAGS['work-root'], help: 'the folder holding the run folders', shownDefault: 'the configured workRoot (./capstan-runs)', group: 'Options' } as const;
const CONFIG_FLAG = { ...ENGINE_FLAGS.config, group: 'Options' } as const;

export const RUNS_COMMAND = {
  name: 'runs',
  summary: 'list past and running runs in the work root, newest first',
  usage: ['runs [--work-root DIR] [--config FILE] [--json]'],
  description: `Lists the runs in the work root, newest first: when each started, its tasks and how they ended, its duration,
and its status: running, succeeded, failed, interrupted (it never recorded its end and its process is gone: killed
with -9, a crash, a reboot), or unknown (a folder without Capstan's run.json, or one it cannot read).

capstan run keeps <run folder>/run.json from its first attempt on, rewritten whole at each task's change: the run's
start and end, its pid and host, and each task's state, backend, attempt, times, exit code and end reason. --json
prints {workRoot, runs: [{runId, folder, path, startedAt, endedAt, status, tasks, states: {succeeded, failed,
running, unknown}, durationMs, note?}]}.`,
  flags: {
    'work-root': WORK_ROOT_FLAG,
    config: CONFIG_FLAG,
    json: JSON_FLAG,
    help: HELP_FLAG,
  },
} as const satisfies CommandSpec;

export const LOGS_COMMAND = {
  name: 'logs',
  summary: 'print or follow a task\'s stdout and stderr',
  usage: ['logs <run>[/<task>] [--follow] [--stdout | --stderr] [--attempt N] [--work-root DIR]'],
  description: `Prints a task's stdout (on stdout) and stderr (on stderr). <run> is a run id, a run folder's name, "latest", or a
unique prefix of either; <task> is a task's name or its folder's name, and may be left out when the run has one task.
The last attempt is shown unless --attempt says which. --follow keeps printing while the task runs, moves on to each
retry as it starts, and exits when the task ends (or its run's process is gone).`,
  positionals: 'word',
  flags: {
    follow: { type: 'boolean', short: 'f', help: 'keep printing until the task ends' },
    stdout: { type: 'boolean', help: 'only the task\'s stdout' },
    stderr: { type: 'boolean', help: 'only the task\'s stderr' },
    attempt: { type: 'string', value: 'N', help: 'which attempt (1 is the first)', shownDefault: 'the last' },
    'work-root': WORK_ROOT_FLAG,
    config: CONFIG_FLAG,
    help: HELP_FLAG,
  },
} as const satisfies CommandSpec;

export const REPORT_COMMAND = {
  name: 'report',
  summary: 'rebuild a run\'s report.html from its trace.tsv and run.json',
  usage: ['report <run> [--work-root DIR] [--config FILE]'],
  description: `Writes <run folder>/report.html again from the run's trace.tsv, run.json and its failed attempts' stderr, and
prints its path. <run> is a run id, a run folder's name, "latest", or a unique prefix of either (as for capstan logs).
capstan run writes both files itself: trace.tsv gains a row as each attempt ends (synced, so a run killed with -9
keeps them), report.html is written at the run's end. The page is one file that works offline: the run's summary, a
timeline of every attempt (queued, pulling, running), CPU and peak memory per attempt against its request, and the
failures with their stderr tails. docs/cli.md lists trace.tsv's columns.`,
  positionals: 'word',
  flags: {
    'work-root': WORK_ROOT_FLAG,
    config: CONFIG_FLAG,
    help: HELP_FLAG,
  },
} as const satisfies CommandSpec;

export const PS_COMMAND = {
  name: 'ps',
  summary: 'list the tasks running in live capstan run processes on this host',
  usage: ['ps [--json]'],
  description: `Lists the tasks of every capstan run process alive on this host (whatever their work root): run, task, state,
backend and elapsed time. Each process registers itself under $XDG_RUNTIME_DIR/capstan/processes (else
<tmp>/capstan-<uid>/processes) while it runs; an entry whose process is gone, or whose pid another process now has,
is removed and not listed. A run's tasks show once its first attempt has started. --json prints {processes: [{pid,
runId, runFolder}], tasks: [{pid, runId, runFolder, task, uniqueName, state, backend, attempt, elapsedMs}]}.`,
  flags: {
    json: JSON_FLAG,
    help: HELP_FLAG,
  },
} as const satisfies CommandSpec;

export const TOP_COMMAND = {
  name: 'top',
  summary: 'a live console of running tasks: this host\'s capstan runs, or a capstan serve',
  usage: ['top [--server URL [--token-file FILE]] [--once]'],
  description: `A live terminal console, one row per task: state, elapsed time, CPU % and memory (the last usage reading), and
its last line of output. Keys: up/down (or k/j) select, f shows the next state filter (all, running, queued,
succeeded, failed, canceled), enter opens the selected task's log tail (enter or esc goes back), c cancels it after
a y to confirm, q or Ctrl-C quits. The terminal is restored on every exit, also on SIGTERM and SIGHUP.

Without --server: the tasks of the capstan run processes alive on this host (as capstan ps finds them). Cancel
asks the task's capstan run to cancel that task alone, through the run's socket beside its ps entry (only this
user's, only while that very process runs): a queued task leaves the queue, a running one stops gracefully, it ends
canceled in the run's summary, and the run goes on with its other tasks. The run's exit code follows its usual
rule: the first task in the order given that did not succeed decides it, 130 for a canceled one.

With --server: the tasks of a capstan serve that the token may see, its event stream for states and usage as they
happen, GetTask for a log tail, CancelTask to cancel. It loads the newest 100 first (read again every 2 s); down
past the last row loads the next page (with a filter, up to 10 pages until one holds a task it shows), and the
header says how many are loaded and whether more are on the server. top holds at most 5,000 tasks: paging on past
that drops the pages loaded after the newest one (the header counts them as skipped; g goes back to the newest),
so every task is reachable with a few MB at most. A server that stops answering is shown on the status line and
retried; top does not exit. Give the token in a file (--token-file): --token shows in ps.

Task names and output are drawn with every escape sequence and control character removed. --once prints one
screen as plain text and exits (for scripts; top needs a terminal otherwise).`,
  flags: {
    server: { type: 'string', value: 'URL', help: 'a capstan serve\'s address (http://HOST:PORT, or its /ga4gh/tes/v1 base)' },
    'token-file': { type: 'string', value: 'FILE', help: 'a file holding the bearer token for --server (its first line)' },
    token: { type: 'string', value: 'TOKEN', help: 'the bearer token itself (visible in ps: prefer --token-file)' },
    once: { type: 'boolean', help: 'print one screen as text and exit' },
    help: HELP_FLAG,
  },
} as const satisfies CommandSpec;

/** Every command, in the order help and docs list them. */
export const COMMANDS: readonly CommandSpec[] = [RUN_COMMAND, PLAN_COMMAND, RUNS_COMMAND, LOGS_COMMAND, REPORT_COMMAND, PS_COMMAND, TOP_COMMAND, DOCTOR_COMMAND, CLEANUP_COMMAND, SERVE_COMMAND];
