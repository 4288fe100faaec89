import { type BackendEvent, CapstanError, ErrorCode, type ExecutionRequest, parseTask, resolveConstraints } from '@capstan/core-constraints';
import { attemptPaths, testRequest } from '@capstan/support/testing';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AttemptPipeline, runAttemptPipeline } from './attempt-pipeline';
import { type DockerClient } from './docker-client';
import { type ImageResolver, type ResolveImageOptions } from './image-resolver';

// Pure sequencing with fakes: the real runs of this pipeline are the docker-runner and podman-runner execute specs.
let root: string;
beforeEach(async () => (root = await mkdtemp(join(tmpdir(), 'tes-split-pipeline-'))));
afterEach(() => rm(root, { recursive: true, force: true }));

function request(task: { container: string[]; memory?: string; disks?: string; inputs?: Array<{ source: string; path: string }> }): ExecutionRequest {
  const parsed = parseTask({ name: 't', requirements: { container: task.container, ...(task.memory ? { memory: task.memory } : {}), ...(task.disks ? { disks: task.disks } : {}) }, command: 'true', ...(task.inputs ? { inputs: task.inputs } : {}) });
  const amounts = { cpu: 4, memory: 8 * 1024 ** 3, gpu: 0 };
  const { constraints } = resolveConstraints(parsed.requirements, parsed.hints, { total: amounts, perTaskMax: amounts, fpga: 0, containerKinds: ['docker', 'sif'] }, { backendName: 'fake' });
  return testRequest({
    paths: attemptPaths(root),
    inputs: parsed.inputs.map((input) => ({ hostPath: input.source, guestPath: input.path, type: input.type })),
    constraints: { ...constraints, skippedContainers: [{ uri: 'oras://x', reason: 'not a kind Capstan knows' }] },
  });
}

interface Recorded {
  readonly steps: string[];
  readonly resolveCalls: Array<{ references: readonly string[]; options: ResolveImageOptions }>;
}

function fakePipeline(recorded: Recorded, overrides: Partial<AttemptPipeline<string>> = {}): AttemptPipeline<string> {
  const resolver = {
    resolve: (references: readonly string[], options: ResolveImageOptions) => {
      recorded.steps.push('resolve');
      recorded.resolveCalls.push({ references, options });
      return Promise.resolve({ reference: references[0] as string, details: { user: '' }, pulled: false });
    },
  } as unknown as ImageResolver;
  return {
    runtime: 'Fakeman',
    client: {} as DockerClient,
    options: { pullPolicy: 'never', memoryLimit: 'request', graceSeconds: 1, keepFailedContainers: false, livenessIntervalSeconds: 1, livenessTimeoutSeconds: 1, livenessFailures: 0 },
    resolver: () => resolver,
    prepare: () => {
      recorded.steps.push('prepare');
      return Promise.resolve('context');
    },
    candidates: (references) => Promise.resolve({ usable: references, refused: [] }),
    grantAccess: () => {
      recorded.steps.push('grant');
      return Promise.resolve();
    },
    run: ({ context }) => {
      recorded.steps.push(`run ${context}`);
      return Promise.resolve({ exitCode: 0, endReason: 'exited', startedAt: new Date(), endedAt: new Date() });
    },
    ...overrides,
  };
}

function record(): Recorded {
  return { steps: [], resolveCalls: [] };
}

describe('runAttemptPipeline', () => {
  it('prepares, resolves, makes and grants the disks, then runs, in that order', async () => {
    const recorded = record();
    const events: BackendEvent[] = [];
    let granted: readonly string[] = [];
    const pipeline = fakePipeline(recorded, {
      grantAccess: (folders) => {
        recorded.steps.push('grant');
        granted = folders;
        return Promise.resolve();
      },
    });
    const result = await runAttemptPipeline(pipeline, request({ container: ['busybox:1'], disks: '/scratch 1 GB' }), new AbortController().signal, (event) => events.push(event));
    expect(result.endReason).toBe('exited');
    expect(recorded.steps).toEqual(['prepare', 'resolve', 'grant', 'run context']);
    expect(granted).toHaveLength(2);
    expect(granted[0]).toBe(join(root, 'work'));
    expect((await stat(granted[1] as string)).isDirectory()).toBe(true);
    expect(events).toEqual([]);
  });

  it('lists what the runtime cannot run and what the backend refused, and never offers them to the resolver (hostile names)', async () => {
    const recorded = record();
    const events: BackendEvent[] = [];
    const pipeline = fakePipeline(recorded, {
      candidates: (references) =>
        Promise.resolve({
          usable: references.filter((reference) => reference !== 'evil'),
          refused: [{ reference: 'evil', reason: 'a short name' }],
          noteOn: (reference) => `took ${reference}`,
        }),
    });
    await runAttemptPipeline(pipeline, request({ container: ['evil', 'img.sif', 'registry.example/ok:1'] }), new AbortController().signal, (event) => events.push(event));
    expect(recorded.resolveCalls[0]?.references).toEqual(['registry.example/ok:1']);
    expect(recorded.resolveCalls[0]?.options.skipped).toEqual([
      { reference: 'evil', reason: 'a short name' },
      { reference: 'img.sif', reason: 'a sif image, which Fakeman cannot run' },
      { reference: 'oras://x', reason: 'not a kind Capstan knows' },
    ]);
    expect(events).toContainEqual({ type: 'warning', message: 'took registry.example/ok:1' });
  });

  it('ends canceled, creating nothing, when canceled before the start or while the image is resolved', async () => {
    const before = record();
    const aborted = AbortSignal.abort();
    expect((await runAttemptPipeline(fakePipeline(before), request({ container: ['busybox:1'] }), aborted, () => undefined)).endReason).toBe('canceled');
    expect(before.steps).toEqual([]);

    const during = record();
    const resolver = { resolve: () => Promise.reject(new CapstanError(ErrorCode.Canceled, 'canceled')) } as unknown as ImageResolver;
    const result = await runAttemptPipeline(fakePipeline(during, { resolver: () => resolver }), request({ container: ['busybox:1'] }), new AbortController().signal, () => undefined);
    expect(result).toMatchObject({ endReason: 'canceled', exitCode: null, message: 'canceled before the container started' });
    expect(during.steps).toEqual(['prepare']);
  });

  it('fails on a missing input before asking the runtime anything, and passes on a resolver failure untouched', async () => {
    const recorded = record();
    const missing = runAttemptPipeline(fakePipeline(recorded), request({ container: ['busybox:1'], inputs: [{ source: join(root, 'absent'), path: '/in/x' }] }), new AbortController().signal, () => undefined);
    await expect(missing).rejects.toMatchObject({ code: ErrorCode.InvalidValue });
    expect(recorded.steps).toEqual([]);

    const unavailable = new CapstanError(ErrorCode.ImageUnavailable, 'none of the images');
    const resolver = { resolve: () => Promise.reject(unavailable) } as unknown as ImageResolver;
    await expect(runAttemptPipeline(fakePipeline(record(), { resolver: () => resolver }), request({ container: ['busybox:1'] }), new AbortController().signal, () => undefined)).rejects.toBe(unavailable);
  });

  it('warns, naming the runtime, when the memory limit is raised to the smallest it accepts', async () => {
    const events: BackendEvent[] = [];
    await runAttemptPipeline(fakePipeline(record()), request({ container: ['busybox:1'], memory: '1 MiB' }), new AbortController().signal, (event) => events.push(event));
    expect(events).toContainEqual({ type: 'warning', message: expect.stringMatching(/^the memory limit was raised from 1048576 to 6291456 bytes, the smallest Fakeman accepts$/) });
  });
});
