import { createAttemptFolder, type LocalRegistry, uniqueId } from '@capstan/backend-test-kit';
import { type BackendEvent, type ExecutionRequest, type ExecutionResult, parseTask, resolveConstraints } from '@capstan/core-constraints';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ApptainerBackend } from '../apptainer-backend';

export { createAttemptFolder, localRegistry, type LocalRegistry, uniqueId } from '@capstan/backend-test-kit';

/** Made by tools/engines/apptainer.sh from the busybox test image's tarball; never pulled. */
export const BUSYBOX_SIF = '/var/lib/capstan/test-images/busybox.sif';
export const BUSYBOX_TAR = '/var/lib/capstan/test-images/busybox.tar';
export const REGISTRY_LOG = '/var/log/capstan/registry.log';
export const TEST_USER = 'capstan-runner';
/** The cache folder of tests that run only local images (it then holds only the running-attempt records), so none touches $HOME. */
export const TEST_CACHE_DIR = join(tmpdir(), 'capstan-apptainer-tests-cache');

/** Where each attempt's folders go: a temp folder every user can enter (the non-root tests run below it). */
export async function makeTempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `capstan-apptainer-${prefix}-`));
  await chmod(dir, 0o755);
  return dir;
}

export async function removeDir(dir: string | undefined): Promise<void> {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
}

export interface TaskDocument {
  readonly command: string;
  readonly requirements?: Record<string, unknown>;
  readonly hints?: Record<string, unknown>;
  readonly env?: Record<string, string>;
  readonly inputs?: ExecutionRequest['inputs'];
  readonly timeoutMs?: number;
  readonly shell?: string;
}

/** A request as the engine would make it: the task parsed, its constraints resolved against the backend. */
export async function makeRequest(backend: ApptainerBackend, folder: string, task: TaskDocument): Promise<ExecutionRequest> {
  const name = uniqueId('t');
  const paths = await createAttemptFolder(join(folder, name), 1, task.command);
  const parsed = parseTask({ name: 't', command: task.command, requirements: { container: BUSYBOX_SIF, ...task.requirements }, hints: task.hints ?? {} });
  const { constraints } = resolveConstraints(parsed.requirements, parsed.hints, await backend.capacity(), { backendName: 'apptainer' });
  return {
    runId: 'run-test',
    taskName: 't',
    attemptName: name,
    attempt: 1,
    shell: task.shell ?? 'sh',
    paths,
    inputs: task.inputs ?? [],
    env: task.env ?? {},
    constraints,
    labels: {},
    ...(task.timeoutMs === undefined ? {} : { timeoutMs: task.timeoutMs }),
  };
}

export interface Run {
  readonly result: ExecutionResult;
  readonly events: BackendEvent[];
  readonly stdout: string;
  readonly stderr: string;
}

export async function run(backend: ApptainerBackend, request: ExecutionRequest, signal = new AbortController().signal): Promise<Run> {
  const events: BackendEvent[] = [];
  const result = await backend.execute(request, signal, (event) => events.push(event));
  return { result, events, stdout: readFileSync(request.paths.stdoutFile, 'utf8'), stderr: readFileSync(request.paths.stderrFile, 'utf8') };
}

/** Lines of `ps` (pid, process group, arguments) whose arguments contain `needle`. */
export function processesMatching(needle: string): string[] {
  return execFileSync('ps', ['-eo', 'pid=,pgid=,stat=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes(needle) && !/^\s*\S+\s+\S+\s+Z/.test(line));
}

/** Live processes (not zombies) of one process group. */
export function processesInGroup(pgid: number): string[] {
  return execFileSync('ps', ['-eo', 'pid=,pgid=,stat=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => Number(fields[1]) === pgid && !(fields[2] ?? '').startsWith('Z'))
    .map((fields) => fields.join(' '));
}

export function testImagesReady(): boolean {
  return existsSync(BUSYBOX_SIF);
}

const MANIFEST_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.index.v1+json',
].join(', ');

/**
 * Tags `repository:from` as `repository:to` in the local registry (a manifest PUT; the blobs are already there), so a
 * test can pull a reference no other test uses and count the registry's requests for it exactly.
 */
export async function tagInRegistry(registry: LocalRegistry, repository: string, from: string, to: string): Promise<string> {
  const auth = `Basic ${Buffer.from(`${registry.username}:${registry.password}`).toString('base64')}`;
  const source = await fetch(`http://${registry.registry}/v2/${repository}/manifests/${from}`, { headers: { authorization: auth, accept: MANIFEST_TYPES } });
  if (!source.ok) throw new Error(`GET manifest ${repository}:${from}: ${source.status}`);
  const body = Buffer.from(await source.arrayBuffer());
  const put = await fetch(`http://${registry.registry}/v2/${repository}/manifests/${to}`, {
    method: 'PUT',
    headers: { authorization: auth, 'content-type': source.headers.get('content-type') ?? MANIFEST_TYPES.split(', ')[0] ?? '' },
    body,
  });
  if (!put.ok) throw new Error(`PUT manifest ${repository}:${to}: ${put.status} ${await put.text()}`);
  return `${registry.registry}/${repository}:${to}`;
}

/** Successful requests in the registry's access log whose request line matches, e.g. `GET /v2/capstan/busybox/manifests/x`. */
export function registryRequests(requestLine: string, file = REGISTRY_LOG): number {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.includes(`"${requestLine} HTTP/1.1" 200`)).length;
}
