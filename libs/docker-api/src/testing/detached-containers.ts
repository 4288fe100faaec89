import { CapstanLabel, MANAGED_VALUE } from '@capstan/support';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DockerClient } from '../docker-client';
import { type LogConfig } from '../log-copy';

export interface DetachedContainers {
  /** This test's folder, with empty `stdout` and `stderr` files. */
  readonly folder: () => string;
  readonly streams: () => { stdoutFile: string; stderrFile: string };
  /** Starts a container as an earlier process would have, then leaves it alone (nobody attached). */
  readonly start: (script: string, logConfig: LogConfig) => Promise<{ id: string; labels: Record<string, string> }>;
}

/**
 * For take-over tests on a real engine: per test a fresh folder and containers "left by an earlier process" (created
 * 5 s ago by their label), all removed after the test.
 */
export function detachedContainers(client: DockerClient, prefix: string): DetachedContainers {
  let folder = '';
  const created: string[] = [];
  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), `${prefix}-`));
    await Promise.all([writeFile(join(folder, 'stdout'), ''), writeFile(join(folder, 'stderr'), '')]);
  });
  afterEach(async () => {
    await Promise.all(created.splice(0).map((id) => client.removeContainer(id, true).catch(() => undefined)));
    await rm(folder, { recursive: true, force: true });
  });
  return {
    folder: () => folder,
    streams: () => ({ stdoutFile: join(folder, 'stdout'), stderrFile: join(folder, 'stderr') }),
    start: async (script, logConfig) => {
      const labels = { [CapstanLabel.Managed]: MANAGED_VALUE, [CapstanLabel.Created]: new Date(Date.now() - 5_000).toISOString() };
      const id = await client.createContainer({
        name: `${prefix}-${process.pid}-${created.length}-${Date.now()}`,
        Image: 'capstan-test/busybox:1',
        Cmd: ['sh', '-c', script],
        Labels: labels,
        HostConfig: { LogConfig: logConfig },
      });
      created.push(id);
      await client.startContainer(id);
      return { id, labels };
    },
  };
}
