import { CapstanError, type DiskFolder, ErrorCode, type ExecutionRequest, GUEST_COMMAND_FILE, GUEST_WORK_DIR } from '@capstan/core-constraints';
import { type ImageCandidate } from './image-candidates';
import { shellQuote } from '@capstan/support';
import { cgroupUsageLines } from './container-usage';
import { assertMountablePath, csvField } from './mount-fields';
import { type NodeRuntime } from './node-runtime';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/**
 * Docker and Podman read a task's variables from their own environment (`-e NAME`, so values never show in `ps`);
 * names these CLIs read themselves would steer them, so such names are refused for those runtimes.
 */
const RUNTIME_STEERING = /^(DOCKER_|CONTAINERS?_|PODMAN_|BUILDAH_|XDG_|REGISTRY_AUTH_FILE$|HOME$|TMPDIR$)/;
/** The exit code of a job whose task never started because no image could be used (Docker's own code for that). */
export const NO_IMAGE_EXIT = 125;

export interface JobScriptPlan {
  readonly request: ExecutionRequest;
  readonly runtime: NodeRuntime;
  /** A name found on the job's PATH, or an absolute path. */
  readonly runtimeBinary: string;
  readonly runtimeArgs: readonly string[];
  /** Docker and Podman: capabilities dropped from the container. */
  readonly capDrop: readonly string[];
  readonly candidates: readonly ImageCandidate[];
  /** For each registry with a login: the number n of the job variables CAPSTAN_LOGIN_<n>_USER / _PASSWORD. */
  readonly logins: Readonly<Record<string, number>>;
  readonly sifCacheDir: string;
  /** Where the script writes what happened (see {@link parseStatusFile}). */
  readonly statusFile: string;
  readonly disks: readonly DiskFolder[];
  readonly network: 'default' | 'none';
  readonly graceSeconds: number;
  readonly noPrivs: boolean;
  /** Docker and Podman: the container's hard memory limit in bytes, 0 for none (Apptainer: the job's own --mem). */
  readonly memoryLimitBytes: number;
}

/**
 * The batch script of one attempt. It finds a usable image (Apptainer: converting docker://, library://, oras:// once
 * into the shared SIF cache under an flock), runs the task in its container with the same guest layout as every
 * Capstan backend (work dir rw at /mnt/task/work, the command file ro at /mnt/task/command, inputs ro at their guest
 * paths unless writable, extra disks rw), forwards a cancel to the container, writes the outcome to the status file
 * and ends with the task's exit code. The task's stdout and stderr are the job's (the scheduler writes them to the attempt's files).
 */
export function buildJobScript(plan: JobScriptPlan): string {
  const { request } = plan;
  const lines = [
    '#!/bin/sh',
    `# Capstan attempt ${oneLine(request.attemptName)} of task ${oneLine(request.taskName)}: run by the batch scheduler, written by @capstan/job-script.`,
    '# The task runs in a container; what happened goes to the status file, the exit code is the task\'s.',
    `capstan_status=${shellQuote(plan.statusFile)}`,
    'capstan_report() { printf \'%s\\n\' "$@" >"$capstan_status.tmp" && mv -f "$capstan_status.tmp" "$capstan_status"; }',
    'capstan_line() { printf \'%s\' "$*" | tr \'\\n\\r\' \'  \' | cut -c1-1500; }',
    `capstan_rt=$(command -v ${shellQuote(plan.runtimeBinary)}) || {`,
    `  echo "capstan: ${oneLine(plan.runtimeBinary).replace(/["$`\\]/g, '')} is not on PATH on node $(hostname)" >&2`,
    `  capstan_report "runtime-missing=${oneLine(plan.runtimeBinary).replace(/["$`\\]/g, '')} on node $(hostname)"`,
    '  exit 127',
    '}',
    'capstan_image=',
    'capstan_failures=',
    ...(plan.runtime === 'apptainer' ? apptainerImageLines(plan) : runtimeImageLines(plan)),
    'if [ -z "$capstan_image" ]; then',
    '  echo "capstan: none of the images could be used: $capstan_failures" >&2',
    '  capstan_report "image-error=$(capstan_line "$capstan_failures")"',
    `  exit ${NO_IMAGE_EXIT}`,
    'fi',
    ...(plan.runtime === 'apptainer' ? apptainerRunLines(plan) : runtimeRunLines(plan)),
    '',
  ];
  return lines.join('\n');
}

/** What the job script reported: the task's exit code, an OOM kill its runtime saw, or why it could not start. */
export interface JobStatus {
  readonly exitCode?: number;
  readonly oomKilled?: boolean;
  readonly imageError?: string;
  readonly runtimeMissing?: string;
}

export function parseStatusFile(text: string): JobStatus {
  const status: { exitCode?: number; oomKilled?: boolean; imageError?: string; runtimeMissing?: string } = {};
  for (const line of text.split('\n')) {
    const equals = line.indexOf('=');
    if (equals <= 0) continue;
    const key = line.slice(0, equals);
    const value = line.slice(equals + 1);
    if (key === 'exit' && /^[0-9]+$/.test(value)) status.exitCode = Number(value);
    else if (key === 'oom') status.oomKilled = value === 'true';
    else if (key === 'image-error') status.imageError = value.trim();
    else if (key === 'runtime-missing') status.runtimeMissing = value.trim();
  }
  return status;
}

function apptainerImageLines(plan: JobScriptPlan): string[] {
  const lines = [
    `capstan_cache=${shellQuote(plan.sifCacheDir)}`,
    '# capstan_convert KEY URI LOGIN NOHTTPS: the SIF of URI in the cache, converted by one job at a time (flock); a',
    '# reader sees no file or a whole one (rename). On failure, prints why.',
    'capstan_convert() {',
    '  capstan_sif=$capstan_cache/$1.sif',
    '  [ -s "$capstan_sif" ] && return 0',
    '  mkdir -p "$capstan_cache/.locks" "$capstan_cache/.tmp" || { echo "cannot make the SIF cache folder $capstan_cache"; return 1; }',
    '  (',
    '    flock 9 || { echo "cannot lock $capstan_cache/.locks/$1.lock"; exit 1; }',
    '    [ -s "$capstan_sif" ] && exit 0',
    '    # Earlier holders of this lock are done or dead: what they left is garbage.',
    '    rm -rf "$capstan_cache/.tmp/$1".*',
    '    work=$(mktemp -d "$capstan_cache/.tmp/$1.XXXXXX") || exit 1',
    '    mkdir "$work/tmp"',
    '    user= password=',
    '    if [ -n "$3" ]; then eval "user=\\${CAPSTAN_LOGIN_$3_USER:-} password=\\${CAPSTAN_LOGIN_$3_PASSWORD:-}"; fi',
    '    no_https=',
    '    if [ "$4" = 1 ]; then no_https=--no-https; fi',
    '    if [ -n "$user" ]; then export APPTAINER_DOCKER_USERNAME="$user" APPTAINER_DOCKER_PASSWORD="$password"; fi',
    '    if APPTAINER_TMPDIR=$work/tmp "$capstan_rt" pull $no_https --disable-cache "$work/image.sif" "$2" >"$work/pull.log" 2>&1 &&',
    '      [ -s "$work/image.sif" ]; then',
    '      sync "$work/image.sif" 2>/dev/null',
    '      mv -f "$work/image.sif" "$capstan_sif" && rm -rf "$work" && exit 0',
    '    fi',
    '    grep -E "FATAL|ERROR" "$work/pull.log" | tail -n 3 | tr "\\n" " "',
    '    grep -qE "FATAL|ERROR" "$work/pull.log" || tail -n 3 "$work/pull.log" | tr "\\n" " "',
    '    rm -rf "$work"',
    '    exit 1',
    '  ) 9>>"$capstan_cache/.locks/$1.lock"',
    '}',
  ];
  plan.candidates.forEach((candidate) => {
    lines.push('if [ -z "$capstan_image" ]; then');
    if (candidate.kind === 'sif') {
      lines.push(
        `  if [ -f ${shellQuote(candidate.path)} ]; then capstan_image=${shellQuote(candidate.path)}`,
        `  else capstan_failures="$capstan_failures ${dq(candidate.uri)}: there is no SIF file at ${dq(candidate.path)} on node $(hostname);"; fi`,
      );
    } else if (candidate.kind === 'convert') {
      const login = candidate.registry === null ? undefined : plan.logins[candidate.registry];
      lines.push(
        `  if capstan_why=$(capstan_convert ${shellQuote(candidate.key)} ${shellQuote(candidate.pullUri)} ${shellQuote(login === undefined ? '' : String(login))} ${candidate.noHttps ? 1 : 0}); then`,
        `    capstan_image=$capstan_cache/${shellQuote(`${candidate.key}.sif`)}`,
        `  else capstan_failures="$capstan_failures ${dq(candidate.uri)}: apptainer pull failed: $capstan_why;"; fi`,
      );
    }
    lines.push('fi');
  });
  return lines;
}

function runtimeImageLines(plan: JobScriptPlan): string[] {
  const lines: string[] = [];
  for (const candidate of plan.candidates) {
    if (candidate.kind !== 'image') continue;
    const reference = shellQuote(candidate.reference);
    lines.push(
      'if [ -z "$capstan_image" ]; then',
      `  if "$capstan_rt" image inspect ${reference} >/dev/null 2>&1; then capstan_image=${reference}`,
      `  elif capstan_why=$("$capstan_rt" pull -q ${reference} 2>&1 >/dev/null); then capstan_image=${reference}`,
      `  else capstan_failures="$capstan_failures ${dq(candidate.uri)}: $(capstan_line "$capstan_why");"; fi`,
      'fi',
    );
  }
  return lines;
}

/**
 * Waits for the container process. A trapped signal interrupts `wait`; the loop then waits again, so the status is
 * the container's, not the signal's (a `wait` for a child already collected returns 127: the earlier status stands).
 */
const WAIT_LINES = [
  'capstan_child=$!',
  'capstan_rc=',
  'while :; do',
  '  capstan_trapped=',
  '  wait "$capstan_child"',
  '  capstan_got=$?',
  '  if [ -z "$capstan_rc" ] || [ "$capstan_got" != 127 ]; then capstan_rc=$capstan_got; fi',
  '  [ -n "$capstan_trapped" ] || break',
  'done',
];

function apptainerRunLines(plan: JobScriptPlan): string[] {
  const { request } = plan;
  const env = Object.entries(request.env).map(([name, value]) => {
    assertEnvName(name, plan.runtime);
    // Apptainer expands `$`, backquotes and backslashes in APPTAINERENV_ values: escaped, values arrive as written.
    return `export APPTAINERENV_${name}=${shellQuote(value.replace(/[\\$`]/g, (character) => `\\${character}`))}`;
  });
  const mounts = guestMounts(plan).map(({ source, target, readOnly }) =>
    shellQuote(['type=bind', csvField(`src=${source}`), csvField(`dst=${target}`), ...(readOnly ? ['ro'] : [])].join(',')),
  );
  const args = [
    '-q',
    'exec',
    '$capstan_privs',
    '--containall',
    '--cleanenv',
    ...(plan.network === 'none' ? ['--net', '--network', 'none'] : []),
    ...(request.constraints.gpu > 0 ? ['--nv'] : []),
    '--pwd',
    GUEST_WORK_DIR,
    ...mounts.flatMap((mount) => ['--mount', mount]),
    ...plan.runtimeArgs.map(shellQuote),
    '"$capstan_image"',
    shellQuote(request.shell),
    GUEST_COMMAND_FILE,
  ];
  return [
    'capstan_privs=',
    ...(plan.noPrivs ? ['if [ "$(id -u)" = 0 ]; then capstan_privs=--no-privs; fi'] : []),
    ...env,
    // USR2 is Grid Engine's notice of a coming SIGKILL (qsub -notify). A cancel (scancel, qdel) signals only this script. SIGTERM goes on to Apptainer's starter, which passes it into the container;
    // after the grace period the container's init (the starter's child, PID 1 of its PID namespace) is killed, and
    // with it, by the kernel, every process of the container. USR1 (kill now) kills it at once.
    'capstan_killer=',
    'capstan_kill_container() { kill -KILL $(cat /proc/"$capstan_child"/task/*/children 2>/dev/null) 2>/dev/null; }',
    'capstan_stop() {',
    '  capstan_trapped=1',
    '  [ -z "$capstan_killer" ] || return 0',
    '  kill -TERM "$capstan_child" 2>/dev/null',
    `  (sleep ${plan.graceSeconds}; capstan_kill_container) &`,
    '  capstan_killer=$!',
    '}',
    "trap 'capstan_stop' TERM INT HUP USR2",
    "trap 'capstan_trapped=1; capstan_kill_container' USR1",
    `"$capstan_rt" ${args.join(' ')} &`,
    ...WAIT_LINES,
    '[ -z "$capstan_killer" ] || kill "$capstan_killer" 2>/dev/null',
    'capstan_report "exit=$capstan_rc"',
    'exit "$capstan_rc"',
  ];
}

function runtimeRunLines(plan: JobScriptPlan): string[] {
  const { request } = plan;
  const { constraints } = request;
  const exports = Object.entries(request.env).map(([name, value]) => {
    assertEnvName(name, plan.runtime);
    return `  export ${name}=${shellQuote(value)}`;
  });
  const mounts = guestMounts(plan).map(({ source, target, readOnly }) =>
    shellQuote(['type=bind', csvField(`source=${source}`), csvField(`target=${target}`), ...(readOnly ? ['readonly'] : [])].join(',')),
  );
  const cpuShares = Math.max(2, Math.round(constraints.cpu * 1024));
  const usage = cgroupUsageLines(plan.runtime === 'podman' ? 'podman' : 'docker');
  const args = [
    'run',
    '--name',
    '"$capstan_name"',
    ...Object.entries(request.labels).flatMap(([key, value]) => ['--label', shellQuote(`${key}=${value}`)]),
    '--entrypoint',
    "''",
    '--workdir',
    GUEST_WORK_DIR,
    '--user',
    '"$capstan_user"',
    '--log-driver',
    'none',
    '--security-opt',
    'no-new-privileges',
    ...plan.capDrop.flatMap((capability) => ['--cap-drop', capability]),
    '--cpu-shares',
    String(cpuShares),
    ...(constraints.cpuLimit === null ? [] : ['--cpus', String(constraints.cpuLimit)]),
    ...(plan.memoryLimitBytes > 0 ? ['--memory', `${plan.memoryLimitBytes}b`, '--memory-swap', `${plan.memoryLimitBytes}b`] : []),
    ...(plan.network === 'none' ? ['--network', 'none'] : []),
    usage.runArg,
    ...(constraints.gpu > 0 && plan.runtime === 'docker' ? ['--gpus', String(constraints.gpu)] : []),
    ...mounts.flatMap((mount) => ['--mount', mount]),
    ...Object.keys(request.env).flatMap((name) => ['--env', name]),
    ...plan.runtimeArgs.map(shellQuote),
    '"$capstan_image"',
    shellQuote(request.shell),
    GUEST_COMMAND_FILE,
  ];
  return [
    `capstan_name=${shellQuote(request.attemptName)}`,
    'capstan_user="$(id -u):$(id -g)"',
    'capstan_remove() { "$capstan_rt" rm -f "$capstan_name" >/dev/null 2>&1; }',
    ...usage.setup,
    // A cancel (SIGTERM from scancel or qsig) stops the container, which is no process of the job: the daemon runs it. The
    // signal may come before the container exists, or between its creation and its start (when a stop is a no-op and
    // the start still follows), so the stop is repeated for as long as `docker run` runs.
    'capstan_stop() {',
    '  capstan_trapped=1',
    '  [ -z "$capstan_stopping" ] || return 0',
    '  capstan_stopping=1',
    '  while kill -0 "$capstan_child" 2>/dev/null; do',
    `    "$capstan_rt" \${1:-stop} \${2:-} "$capstan_name" >/dev/null 2>&1`,
    '    sleep 0.1',
    '  done',
    '  capstan_stopping=',
    '}',
    'capstan_stopping=',
    `trap 'capstan_stop stop "-t ${plan.graceSeconds}"' TERM INT HUP USR2`,
    "trap 'capstan_stopping=; capstan_stop kill' USR1",
    "trap 'capstan_remove' EXIT",
    '(',
    ...exports,
    `  exec "$capstan_rt" ${args.join(' ')}`,
    ') &',
    ...WAIT_LINES,
    // Kept until now (no --rm) because the OOM flag goes with the container.
    'capstan_oom=$("$capstan_rt" inspect --format \'{{.State.OOMKilled}}\' "$capstan_name" 2>/dev/null)',
    ...usage.save,
    'capstan_remove',
    ...usage.drop,
    'trap - EXIT',
    'capstan_report "exit=$capstan_rc" "oom=$capstan_oom"',
    'exit "$capstan_rc"',
  ];
}

function guestMounts(plan: JobScriptPlan): Array<{ source: string; target: string; readOnly: boolean }> {
  const { request } = plan;
  const mounts = [
    { source: request.paths.workDir, target: GUEST_WORK_DIR, readOnly: false },
    { source: request.paths.commandFile, target: GUEST_COMMAND_FILE, readOnly: true },
    ...request.inputs.map((input) => ({ source: input.hostPath, target: input.guestPath, readOnly: input.writable !== true })),
    ...plan.disks.map((disk) => ({ source: disk.hostPath, target: disk.mountPoint, readOnly: false })),
  ];
  for (const mount of mounts) {
    assertMountablePath(mount.source);
    assertMountablePath(mount.target);
  }
  return mounts;
}

function assertEnvName(name: string, runtime: NodeRuntime): void {
  if (!ENV_NAME.test(name)) {
    throw new CapstanError(ErrorCode.InvalidValue, `"${name}" is not a variable name a container can be given (letters, digits and "_", not starting with a digit); rename it`, { path: 'env', details: { value: name } });
  }
  if (runtime !== 'apptainer' && RUNTIME_STEERING.test(name)) {
    throw new CapstanError(
      ErrorCode.InvalidValue,
      `the task variable "${name}" would also steer the ${runtime} CLI that starts the container on the node (the job hands task variables to it by name); rename it, or use the apptainer runtime`,
      { path: 'env', details: { value: name } },
    );
  }
}

/** Text for a comment line: no line breaks. */
function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ');
}

/** Text inside a double-quoted shell string: `$`, backquote, `"` and `\` escaped. */
function dq(text: string): string {
  return oneLine(text).replace(/[\\$`"]/g, (character) => `\\${character}`);
}
