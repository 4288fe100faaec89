import { type LocalS3Server } from '@capstan/backend-test-kit';
import { type ObjectStore } from '@capstan/core-constraints';
import { objectStores } from '@capstan/s3-store';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { capstan, type CliResult } from './cli-harness';

export const IMAGE = 'capstan-test/busybox:1';

export interface StoreKeys {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** The `transfer.s3` section that reaches `server`. */
export function s3Section(server: LocalS3Server, keys: StoreKeys = server): Record<string, unknown> {
  return { endpoint: server.endpoint, forcePathStyle: true, region: 'us-east-1', accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey, retries: 0 };
}

/** Capstan's own s3:// store, to seed and read objects over the wire beside the CLI under test. */
export function storeOf(server: LocalS3Server): ObjectStore {
  return objectStores({ s3: s3Section(server) })[0] as ObjectStore;
}

export async function putText(store: ObjectStore, url: string, text: string): Promise<void> {
  const bytes = new TextEncoder().encode(text);
  await store.write(new URL(url), (async function* () {
    yield bytes;
  })(), bytes.length);
}

export async function readText(store: ObjectStore, url: string): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of (await store.read(new URL(url))).body) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** Runs the built CLI (with `--json` unless told) and a config file of the test's own (its `transfer:` section reaching `server`). */
export async function runWithStore(dir: string, server: LocalS3Server, args: readonly string[], keys?: StoreKeys, json = true): Promise<CliResult> {
  const file = join(dir, 'capstan.json');
  await writeFile(file, JSON.stringify({ backend: 'docker', workRoot: join(dir, 'runs'), transfer: { s3: s3Section(server, keys) } }));
  return capstan(['run', ...(json ? ['--json'] : []), '--config', file, ...args], { cwd: dir });
}

export interface PublishedEntry {
  readonly name: string;
  readonly path: string;
  readonly source: string;
  readonly size: number;
  readonly sha256: string;
}

export interface RunResult {
  readonly state: string;
  readonly published: PublishedEntry[];
  readonly outputsFolder: string | null;
  readonly error?: { code: string; path?: string };
  readonly attempts: { exitCode: number | null }[];
  readonly warnings: string[];
}

/** The first task's result in a `--json` run's summary line. */
export function resultOf(stdout: string): RunResult | undefined {
  const lines = stdout.trim().split('\n').filter((line) => line.startsWith('{'));
  const summary = JSON.parse(lines[lines.length - 1] ?? '{}') as { results?: RunResult[] };
  return summary.results?.[0];
}

/** What the task wrote to stdout, joined from a `--json` run's log events (the runtime may split one write across several). */
export function loggedStdout(stdout: string): string {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { type?: string; event?: { type?: string; stream?: string; text?: string } })
    .filter((event) => event.type === 'backend' && event.event?.type === 'log' && event.event.stream === 'stdout')
    .map((event) => event.event?.text ?? '')
    .join('');
}
