import { type ResourceUsage } from '@capstan/core-constraints';
import { CGROUP_USAGE_FILES, cgroupReading } from '@capstan/support';
import { openTaskFile } from '@capstan/task-files';
import { lstat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { type NodeRuntime } from './node-runtime';

/** A copied cgroup file of more than this is not one the kernel wrote for a single cgroup. */
const FILE_MAX_BYTES = 64 * 1024;
/** How old an attempt's cgroup must be before a job's script removes it as left behind (as the Docker backend does). */
const STALE_MINUTES = 10;

/** The folder the job script copies the container's cgroup files into: beside the status file, outside every mount. */
export function usageFolder(statusFile: string): string {
  return `${statusFile}-usage`;
}

/** How each runtime's `info` names its cgroup driver, then whether it is rootless ("true", or Docker's "name=rootless"). */
const DRIVER_FORMAT: Readonly<Record<Exclude<NodeRuntime, 'apptainer'>, string>> = { docker: '{{.CgroupDriver}} {{.SecurityOptions}}', podman: '{{.Host.CgroupManager}} {{.Host.Security.Rootless}}' };

/**
 * Shell lines for a Docker or Podman job's final usage. The container runs under its daemon, outside the job's
 * cgroup, so Slurm's accounting never sees it: it is made inside a cgroup of its own (`--cgroup-parent`, with the
 * cgroupfs driver of a rootful runtime only: systemd's wants slice names), whose files keep the peak memory and the
 * CPU and I/O counters after the container ended; the script copies them into the usage folder before removing the
 * container, then removes the parent. The task cannot write there: the folder is no mount of its container.
 */
export function cgroupUsageLines(runtime: Exclude<NodeRuntime, 'apptainer'>): { readonly setup: string[]; readonly runArg: string; readonly save: string[]; readonly drop: string[] } {
  const copies = (version: 1 | 2): string[] =>
    CGROUP_USAGE_FILES[version].map(([controller, name]) => `    cat "/sys/fs/cgroup${controller === '' ? '' : `/${controller}`}$capstan_cgparent/${name}" >"$capstan_usage/${name}" 2>/dev/null`);
  return {
    setup: [
      'capstan_usage="$capstan_status-usage"',
      'capstan_cgparent= capstan_cgv=',
      // A rootless runtime (the job user's own Podman, rootless Docker) may make no cgroup: the container would not start.
      `case "$("$capstan_rt" info --format '${DRIVER_FORMAT[runtime]}' 2>/dev/null)" in`,
      "  *rootless* | *' true') ;;",
      "  'cgroupfs '*)",
      '    if [ -f /sys/fs/cgroup/cgroup.controllers ]; then capstan_cgv=2; elif [ -f /sys/fs/cgroup/memory/memory.max_usage_in_bytes ]; then capstan_cgv=1; fi',
      '    [ -z "$capstan_cgv" ] || capstan_cgparent="/capstan-attempts/$capstan_name" ;;',
      'esac',
      // What a job killed before its clean-up left: attempt cgroups 10 minutes old and empty (rmdir of one that still
      // holds a process fails: the kernel keeps it). A container's exit removes its own cgroup inside its attempt's,
      // which sets the attempt's time: one whose files are about to be copied is never that old.
      'if [ -n "$capstan_cgparent" ]; then',
      `  find /sys/fs/cgroup/capstan-attempts /sys/fs/cgroup/*/capstan-attempts -mindepth 1 -maxdepth 1 -type d -mmin +${STALE_MINUTES} 2>/dev/null |`,
      '    while IFS= read -r capstan_stale; do find "$capstan_stale" -type d -delete 2>/dev/null || :; done',
      'fi',
    ],
    runArg: '${capstan_cgparent:+--cgroup-parent "$capstan_cgparent"}',
    save: [
      'if [ -n "$capstan_cgparent" ]; then',
      '  rm -rf "$capstan_usage"',
      '  if mkdir "$capstan_usage"; then',
      '    echo "$capstan_cgv" >"$capstan_usage/version"',
      '    if [ "$capstan_cgv" = 1 ]; then',
      ...copies(1),
      '    else',
      ...copies(2),
      '    fi',
      '  fi',
      'fi',
    ],
    drop: [
      // Deepest first (Podman leaves its conmon's cgroup inside), again while a process is still leaving it.
      'capstan_tries=0',
      'while [ -n "$capstan_cgparent" ] && [ "$capstan_tries" -lt 20 ]; do',
      '  capstan_left=',
      '  for capstan_top in /sys/fs/cgroup /sys/fs/cgroup/*; do',
      '    [ -d "$capstan_top$capstan_cgparent" ] || continue',
      '    find "$capstan_top$capstan_cgparent" -depth -type d -exec rmdir {} \\; 2>/dev/null',
      '    [ ! -d "$capstan_top$capstan_cgparent" ] || capstan_left=1',
      '  done',
      '  [ -n "$capstan_left" ] || break',
      '  capstan_tries=$((capstan_tries + 1))',
      '  sleep 0.1',
      'done',
    ],
  };
}

/**
 * The final usage of a Docker or Podman job from the files its script copied, parsed strictly. A missing or garbled
 * copy means unavailable: no figure and a `partial` reason, never 0 and never a failure. A link planted in place of
 * the folder or a file is not followed.
 */
export async function readContainerUsage(statusFile: string, wallSeconds: number | undefined): Promise<ResourceUsage> {
  const folder = usageFolder(statusFile);
  const unavailable = (why: string): ResourceUsage => ({ samples: 0, partial: `no final usage of the container: ${why}` });
  const stats = await lstat(folder).catch(() => undefined);
  if (stats === undefined) return unavailable(`the job left no ${folder} (a node without the cgroupfs driver, or the job ended before the container)`);
  if (!stats.isDirectory()) return unavailable(`${folder} is not a folder`);
  const version = (await small(folder, 'version'))?.trim();
  if (version !== '1' && version !== '2') return unavailable(`${folder}/version is neither 1 nor 2`);
  const reading = await cgroupReading(version === '1' ? 1 : 2, (_controller, name) => small(folder, name));
  if (reading === null) return unavailable(`no file in ${folder} could be read as the kernel writes it`);
  const cpu = reading.cpuUserSeconds !== undefined && reading.cpuSystemSeconds !== undefined ? reading.cpuUserSeconds + reading.cpuSystemSeconds : reading.cpuSeconds;
  const round = (value: number): number => Math.round(value * 1000) / 1000;
  return {
    ...(reading.peakMemoryBytes === undefined ? {} : { peakMemoryBytes: reading.peakMemoryBytes }),
    ...(reading.cpuUserSeconds === undefined ? {} : { cpuUserSeconds: round(reading.cpuUserSeconds) }),
    ...(reading.cpuSystemSeconds === undefined ? {} : { cpuSystemSeconds: round(reading.cpuSystemSeconds) }),
    ...(cpu === undefined || wallSeconds === undefined || wallSeconds <= 0 ? {} : { cpuPercentMean: round((100 * cpu) / wallSeconds) }),
    ...(reading.readBytes === undefined ? {} : { readBytes: reading.readBytes }),
    ...(reading.writtenBytes === undefined ? {} : { writtenBytes: reading.writtenBytes }),
    ...(wallSeconds === undefined ? {} : { wallSeconds: round(wallSeconds) }),
    samples: 1,
  };
}

/**
 * One copied file, read through task-files' confined open: every component from the job's folder (`slurm/`, `batch/`) down is
 * opened without following links, and a FIFO, socket or device is refused before any open (nothing blocks). At most
 * {@link FILE_MAX_BYTES}: a larger file is not a copy the script made.
 */
async function small(folder: string, name: string): Promise<string | undefined> {
  const handle = await openTaskFile(dirname(folder), `${basename(folder)}/${name}`).catch(() => undefined);
  if (handle === undefined) return undefined;
  try {
    const buffer = Buffer.alloc(FILE_MAX_BYTES + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > FILE_MAX_BYTES) return undefined;
    }
    return buffer.subarray(0, length).toString('utf8');
  } catch {
    return undefined;
  } finally {
    await handle.close();
  }
}
