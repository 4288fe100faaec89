import { type AttemptPaths, type Constraints, type ExecutionRequest } from '@capstan/core-constraints';
import { join } from 'node:path';

/** An attempt's files under `root`, named as the engine names them (nothing is created). */
export function attemptPaths(root: string): AttemptPaths {
  return { root, commandFile: join(root, 'command'), workDir: join(root, 'work'), stdoutFile: join(root, 'stdout'), stderrFile: join(root, 'stderr') };
}

/** Resolved constraints of a small task on one docker image, as a backend receives them; `overrides` replace fields. */
export function testConstraints(overrides: Partial<Constraints> = {}): Constraints {
  return {
    containers: [{ kind: 'docker', reference: 'img:1', uri: 'img:1' }],
    skippedContainers: [],
    cpu: 2,
    memory: 512 * 1024 ** 2,
    cpuLimit: null,
    memoryLimit: null,
    gpu: 0,
    gpuSpec: null,
    fpga: 0,
    fpgaSpec: null,
    disks: { '/': 1e9 },
    diskClasses: {},
    ...overrides,
  };
}

/** What a test changes of `testRequest`'s request: any field, and single fields of its constraints. */
export type TestRequestOverrides = Partial<Omit<ExecutionRequest, 'constraints'>> & { readonly constraints?: Partial<Constraints> };

/**
 * One attempt's request built by hand, for pure tests of what a backend makes of it (container specs, job scripts,
 * pipelines with fakes); paths are under /w/a/1 unless given, and nothing is created on disk. Tests that run a real
 * attempt want folders the engine's way: backend-test-kit's `createAttemptFolder`.
 */
export function testRequest(overrides: TestRequestOverrides = {}): ExecutionRequest {
  const { constraints, ...rest } = overrides;
  return {
    runId: 'r',
    taskName: 't',
    attemptName: 't-1',
    attempt: 1,
    shell: 'sh',
    paths: attemptPaths('/w/a/1'),
    inputs: [],
    env: {},
    labels: {},
    ...rest,
    constraints: testConstraints(constraints),
  };
}
