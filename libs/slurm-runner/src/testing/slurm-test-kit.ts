// Shared pieces of the slurm backend's integration tests: the one-node cluster of tools/engines/slurm.sh, the local
// registry of tools/engines/registry.sh, and looks at what is left on the machine (jobs, containers, processes).
import { localRegistry } from '@capstan/backend-test-kit';
import { until as pollUntil } from '@capstan/support/testing';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SlurmBackend } from '../slurm-backend';
import { type SlurmBackendOptionsInput } from '../slurm-backend-options';

export const registry = localRegistry();
/** The busybox test image in the local registry, which needs a login: converted to SIF once per cache folder. */
export const REGISTRY_IMAGE = `docker://${registry.image}`;
/** The same image as Docker has it locally (tools/engines/test-images.sh). */
export const DOCKER_IMAGE = 'capstan-test/busybox:1';
/** Shared by the runs of these tests, so the image is converted once per machine, not per run. */
export const TEST_SIF_CACHE = join(tmpdir(), 'capstan-slurm-test-sif');

/** The backend as the tests use it: short polls and grace, partitions debug (default) and short (timeouts up to 1 min). */
export function testBackend(options: SlurmBackendOptionsInput = {}, environment: NodeJS.ProcessEnv = process.env): SlurmBackend {
  return new SlurmBackend(
    {
    pollIntervalMs: 200,
    graceSeconds: 2,
    sifCacheDir: TEST_SIF_CACHE,
    registries: { [registry.registry]: { username: registry.username, password: registry.password } },
    partitions: { default: 'debug', short: 'short' },
    shortTaskMaxMinutes: 1,
    // tools/engines/slurm.sh confines job memory with task/cgroup where the machine allows it (this kind does).
    clusterLimits: { memory: true, cpu: false },
    ...options,
    },
    environment,
  );
}

/** squeue's view of one job, including ended ones (`--states=all`): `STATE|PARTITION`, or '' when Slurm forgot it. */
export function jobState(jobId: string): { state: string; partition: string } {
  const out = execFileSync('squeue', ['--noheader', '--states=all', `--jobs=${jobId}`, '--Format=State:0|,Partition:0'], { encoding: 'utf8' }).trim();
  const [state = '', partition = ''] = out.split('|');
  return { state, partition };
}

/** Pending or running jobs whose name is one of ours (independent of the backend's own listing). */
export function liveJobsNamed(prefix: string): string[] {
  const out = execFileSync('squeue', ['--noheader', '--me', '--Format=Name:0'], { encoding: 'utf8' });
  return out.split('\n').map((line) => line.trim()).filter((name) => name.startsWith(prefix));
}

/** Containers (running or not) carrying a label, through the docker CLI. */
export function containersLabelled(label: string): string[] {
  return execFileSync('docker', ['ps', '--all', '--quiet', '--filter', `label=${label}`], { encoding: 'utf8' }).split('\n').filter((line) => line !== '');
}

/** Whether a `sleep MARKER` process runs anywhere on this host (containers' processes are the host's too). */
export function sleeping(marker: number): boolean {
  const processes = execFileSync('ps', ['-eo', 'stat=,args='], { encoding: 'utf8' });
  return processes.split('\n').some((line) => !line.trim().startsWith('Z') && line.includes(`sleep ${marker}`));
}

export function randomMarker(): number {
  return 300_000 + Math.floor(Math.random() * 600_000);
}

/** The waits here poll `ps` and `docker ps`: every 100 ms rather than the default 5. */
export function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  return pollUntil(condition, timeoutMs, what, 100);
}

const REGISTRY_LOG = '/var/log/capstan/registry.log';
const MANIFEST_TYPES = 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json';

/** Gives the test image a new tag in the local registry (the same manifest under another name); returns the reference. */
export async function tagInRegistry(tag: string): Promise<string> {
  const auth = `Basic ${Buffer.from(`${registry.username}:${registry.password}`).toString('base64')}`;
  const source = await fetch(`http://${registry.registry}/v2/capstan/busybox/manifests/1`, { headers: { authorization: auth, accept: MANIFEST_TYPES } });
  if (!source.ok) throw new Error(`GET manifest capstan/busybox:1: HTTP ${source.status}`);
  const put = await fetch(`http://${registry.registry}/v2/capstan/busybox/manifests/${tag}`, {
    method: 'PUT',
    headers: { authorization: auth, 'content-type': source.headers.get('content-type') ?? 'application/vnd.docker.distribution.manifest.v2+json' },
    body: Buffer.from(await source.arrayBuffer()),
  });
  if (!put.ok) throw new Error(`PUT manifest capstan/busybox:${tag}: HTTP ${put.status} ${await put.text()}`);
  return `${registry.registry}/capstan/busybox:${tag}`;
}

/** Successful requests in the registry's access log whose request line matches, e.g. `GET /v2/capstan/busybox/manifests/x`. */
export function registryRequests(requestLine: string): number {
  return readFileSync(REGISTRY_LOG, 'utf8')
    .split('\n')
    .filter((line) => line.includes(`"${requestLine} HTTP/1.1" 200`)).length;
}
