import { type BackendEvent, type Constraints, type ExecutionRequest, parseContainerSource } from '@capstan/core-constraints';
import { CapstanLabel, MANAGED_VALUE } from '@capstan/support';
import { testConstraints as supportTestConstraints } from '@capstan/support/testing';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const TEST_IMAGE = 'capstan-test/busybox:1';

/** Support's test constraints on the test image, with the task sizes the TES specs assume. */
export function testConstraints(overrides: Partial<Constraints> = {}): Constraints {
  return supportTestConstraints({ containers: [parseContainerSource(TEST_IMAGE)], cpu: 1, memory: 2 * 1024 ** 3, disks: { '/': 1024 ** 3 }, ...overrides });
}

/** Temporary attempt folders laid out as the engine makes them; `dispose` removes them all. */
export class AttemptFixture {
  private constructor(readonly root: string) {}

  static async create(): Promise<AttemptFixture> {
    return new AttemptFixture(await mkdtemp(join(tmpdir(), 'capstan-tes-runner-')));
  }

  private count = 0;

  /** A request for a new attempt folder (command file, empty work dir, empty stdout/stderr), run id `runId`. */
  async request(runId: string, overrides: Partial<ExecutionRequest> = {}): Promise<ExecutionRequest> {
    this.count += 1;
    const root = join(this.root, `task-${this.count}`, 'attempts', '1');
    const paths = { root, commandFile: join(root, 'command'), workDir: join(root, 'work'), stdoutFile: join(root, 'stdout'), stderrFile: join(root, 'stderr') };
    await mkdir(paths.workDir, { recursive: true });
    await Promise.all([writeFile(paths.commandFile, 'echo hello\n'), writeFile(paths.stdoutFile, ''), writeFile(paths.stderrFile, '')]);
    return {
      runId,
      taskName: `task-${this.count}`,
      attemptName: `task-${this.count}-a1b2c3d4e5f6`,
      attempt: 1,
      shell: 'sh',
      paths,
      inputs: [],
      env: {},
      constraints: testConstraints(),
      labels: { [CapstanLabel.Managed]: MANAGED_VALUE, [CapstanLabel.RunId]: runId, [CapstanLabel.Task]: `task-${this.count}` },
      ...overrides,
    };
  }

  async dispose(): Promise<void> {
    await rm(this.root, { recursive: true, force: true });
  }
}

/** Collects a backend's events. */
export function eventLog(): { readonly events: BackendEvent[]; readonly emit: (event: BackendEvent) => void } {
  const events: BackendEvent[] = [];
  return { events, emit: (event) => events.push(event) };
}
