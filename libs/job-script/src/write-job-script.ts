import { CapstanError, createDiskFolders, ErrorCode, type ExecutionRequest, planDiskFolders } from '@capstan/core-constraints';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { imageCandidates } from './image-candidates';
import { buildJobScript } from './job-script';
import { type NodeRuntime } from './node-runtime';
import { jobLogins, type RegistryLogin } from './registry-logins';

/** Docker and Podman refuse smaller memory limits. */
const MIN_CONTAINER_MEMORY_BYTES = 6 * 1024 * 1024;

/** How a scheduler backend runs its tasks on the nodes (its options). */
export interface NodeSettings {
  readonly runtime: NodeRuntime;
  readonly runtimeBinary: string;
  readonly runtimeArgs: readonly string[];
  readonly capDrop: readonly string[];
  readonly sifCacheDir: string;
  readonly registries: Readonly<Record<string, RegistryLogin>>;
  readonly insecureRegistries: readonly string[];
  readonly network: 'default' | 'none';
  readonly graceSeconds: number;
  readonly noPrivs: boolean;
}

export interface WrittenJob {
  readonly scriptPath: string;
  readonly statusFile: string;
  /** The registry logins, for the job's environment (never in the script file). */
  readonly loginEnv: Record<string, string>;
  /** What the job asks for: the task's memory limit, else its memory request (bytes; 0 for none). */
  readonly memoryBytes: number;
}

/**
 * Writes the attempt's job script (mode 0700) into `<attempt>/<folder>/job.sh`, with its extra disks' folders, after
 * choosing the images the runtime can run; fails `image.unavailable` when it can run none of them. `scheduler` names
 * the kind of job in that message.
 */
export async function writeJobScript(request: ExecutionRequest, settings: NodeSettings, folder: string, scheduler: string): Promise<WrittenJob> {
  const { candidates, skipped } = imageCandidates(request.constraints.containers, { runtime: settings.runtime, insecureRegistries: settings.insecureRegistries });
  if (candidates.length === 0) {
    const reasons = [...request.constraints.skippedContainers.map((skip) => skip.reason), ...skipped.map((skip) => `"${skip.uri}" is ${skip.reason}`)];
    throw new CapstanError(ErrorCode.ImageUnavailable, `none of the task's images can run with ${settings.runtime} inside a ${scheduler} job: ${reasons.join('; ')}; give an image it can run under requirements.container`, {
      path: 'requirements.container',
    });
  }
  const jobDir = join(request.paths.root, folder);
  const statusFile = join(jobDir, 'status');
  const scriptPath = join(jobDir, 'job.sh');
  await mkdir(jobDir, { recursive: true });
  const disks = planDiskFolders(request.paths.root, request.constraints.disks);
  await createDiskFolders(disks);
  const { logins, env: loginEnv } = jobLogins(candidates, settings.registries);
  const memoryBytes = request.constraints.memoryLimit ?? request.constraints.memory;
  const script = buildJobScript({
    request,
    runtime: settings.runtime,
    runtimeBinary: settings.runtimeBinary,
    runtimeArgs: settings.runtimeArgs,
    capDrop: settings.capDrop,
    candidates,
    logins,
    sifCacheDir: settings.sifCacheDir,
    statusFile,
    disks,
    network: settings.network,
    graceSeconds: settings.graceSeconds,
    noPrivs: settings.noPrivs,
    memoryLimitBytes: memoryBytes === 0 ? 0 : Math.max(memoryBytes, MIN_CONTAINER_MEMORY_BYTES),
  });
  await writeFile(scriptPath, script, { mode: 0o700 });
  await chmod(scriptPath, 0o700);
  return { scriptPath, statusFile, loginEnv, memoryBytes };
}
