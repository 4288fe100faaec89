import fc from 'fast-check';
import { CapstanError } from '../errors/capstan-error';
import { type ResourceAmounts } from '../resources/resource-manager';
import { parseHints } from '../task/hints';
import { parseRequirements } from '../task/requirements';
import { GIB } from '../units/size';
import { type BackendCapacity, LIMIT_BEHAVIORS, type LimitBehavior, type Resolution, type ResolveOptions } from './constraints';
import { resolveConstraints } from './resolve-constraints';

function capstanErrorOf(run: () => unknown): CapstanError {
  try {
    run();
  } catch (error) {
    if (error instanceof CapstanError) return error;
    throw error;
  }
  throw new Error('expected a CapstanError, but nothing was thrown');
}

interface CapacityOverrides {
  perTaskMax?: Partial<ResourceAmounts>;
  fpga?: number;
  containerKinds?: BackendCapacity['containerKinds'];
}

function capacity(overrides: CapacityOverrides = {}): BackendCapacity {
  return {
    total: { cpu: 16, memory: 64 * GIB, gpu: 4 },
    perTaskMax: { cpu: 8, memory: 32 * GIB, gpu: 2, ...overrides.perTaskMax },
    fpga: overrides.fpga ?? 0,
    containerKinds: overrides.containerKinds ?? ['docker'],
  };
}

/** Resolves a task written as in a task file; the container defaults to a usable Docker image. */
function resolveTask(
  requirements: Record<string, unknown> = {},
  hints: Record<string, unknown> = {},
  cap: BackendCapacity = capacity(),
  options: Partial<ResolveOptions> = {},
): Resolution {
  return resolveConstraints(parseRequirements({ container: 'ubuntu:22.04', ...requirements }), parseHints(hints), cap, {
    backendName: 'docker',
    ...options,
  });
}

const UBUNTU = { kind: 'docker', reference: 'ubuntu:22.04', uri: 'ubuntu:22.04' };

describe('resolveConstraints', () => {
  it('knows both limit behaviors', () => {
    expect(LIMIT_BEHAVIORS).toEqual(['deny', 'try_with_max']);
  });

  it('resolves a default task with no warnings', () => {
    expect(resolveTask()).toEqual({
      constraints: {
        containers: [UBUNTU],
        skippedContainers: [],
        cpu: 1,
        memory: 2 * GIB,
        cpuLimit: null,
        memoryLimit: null,
        gpu: 0,
        gpuSpec: null,
        fpga: 0,
        fpgaSpec: null,
        disks: { '/': GIB },
        diskClasses: {},
      },
      warnings: [],
    });
  });

  it('keeps requests at exactly the per-task maximum', () => {
    const { constraints, warnings } = resolveTask({ cpu: 8, memory: '32 GiB' });
    expect(constraints).toMatchObject({ cpu: 8, memory: 32 * GIB });
    expect(warnings).toEqual([]);
  });

  describe('cpu and memory above the per-task maximum', () => {
    it.each<[string, Partial<ResolveOptions>]>([
      ['the default behavior', {}],
      ['deny', { cpuLimitBehavior: 'deny' }],
      ['deny for cpu even when memory may be clamped', { cpuLimitBehavior: 'deny', memoryLimitBehavior: 'try_with_max' }],
    ])('denies cpu under %s with the value, the limit and the fix', (_label, options) => {
      const error = capstanErrorOf(() => resolveTask({ cpu: 12 }, {}, capacity(), options));
      expect(error.code).toBe('resource.exceeds_capacity');
      expect(error.path).toBe('requirements.cpu');
      expect(error.message).toBe(
        'task requires 12 CPUs but the docker backend has at most 8 CPUs per task; ' +
          'lower requirements.cpu, or set the cpu limit behavior to try_with_max to clamp',
      );
      expect(error.details).toEqual({ value: 12, limit: 8 });
    });

    it('denies memory with both amounts in bytes and binary units', () => {
      const error = capstanErrorOf(() => resolveTask({ memory: '48 GiB' }, {}, capacity(), { cpuLimitBehavior: 'try_with_max' }));
      expect(error.code).toBe('resource.exceeds_capacity');
      expect(error.path).toBe('requirements.memory');
      expect(error.message).toContain('task requires 48 GiB (51539607552 bytes) of memory');
      expect(error.message).toContain('at most 32 GiB (34359738368 bytes) of memory per task');
      expect(error.message).toContain('set the memory limit behavior to try_with_max');
      expect(error.details).toEqual({ value: 48 * GIB, limit: 32 * GIB });
    });

    it('clamps cpu under try_with_max and says so', () => {
      const { constraints, warnings } = resolveTask({ cpu: 12 }, {}, capacity(), { cpuLimitBehavior: 'try_with_max' });
      expect(constraints.cpu).toBe(8);
      expect(warnings).toEqual([
        'requirements.cpu: clamped from 12 CPUs to 8 CPUs, the most the docker backend gives one task (cpu limit behavior try_with_max)',
      ]);
    });

    it('clamps memory under try_with_max and says so', () => {
      const { constraints, warnings } = resolveTask({ memory: '6.2 GB' }, {}, capacity({ perTaskMax: { memory: 4 * GIB } }), {
        memoryLimitBehavior: 'try_with_max',
      });
      expect(constraints.memory).toBe(4 * GIB);
      expect(warnings).toEqual([
        'requirements.memory: clamped from 5.8 GiB (6200000000 bytes) of memory to 4 GiB (4294967296 bytes) of memory, ' +
          'the most the docker backend gives one task (memory limit behavior try_with_max)',
      ]);
    });

    it('fits any request: min(request, maximum) under try_with_max, an error under deny exactly when above', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 64 }),
          fc.integer({ min: 1, max: 64 }),
          fc.integer({ min: 0, max: 64 * GIB }),
          fc.integer({ min: 0, max: 64 * GIB }),
          fc.constantFrom<LimitBehavior>('deny', 'try_with_max'),
          (cpu, maxCpu, memory, maxMemory, behavior) => {
            const cap = capacity({ perTaskMax: { cpu: maxCpu, memory: maxMemory } });
            const options = { cpuLimitBehavior: behavior, memoryLimitBehavior: behavior };
            const fits = cpu <= maxCpu && memory <= maxMemory;
            if (behavior === 'deny' && !fits) {
              expect(capstanErrorOf(() => resolveTask({ cpu, memory }, {}, cap, options)).code).toBe('resource.exceeds_capacity');
              return;
            }
            const { constraints, warnings } = resolveTask({ cpu, memory }, {}, cap, options);
            expect(constraints.cpu).toBe(Math.min(cpu, maxCpu));
            expect(constraints.memory).toBe(Math.min(memory, maxMemory));
            expect(warnings).toHaveLength(Number(cpu > maxCpu) + Number(memory > maxMemory));
          },
        ),
      );
    });
  });

  describe('limits from max_cpu and max_memory', () => {
    it.each<[string, Record<string, unknown>, Record<string, unknown>, number | null, number | null]>([
      ['no hints', { cpu: 2 }, {}, null, null],
      ['max_cpu', { cpu: 2 }, { max_cpu: 4 }, 4, null],
      ['maxCpu', { cpu: 2 }, { maxCpu: 2.5 }, 2.5, null],
      ['max_cpu equal to the request', { cpu: 2 }, { max_cpu: 2 }, 2, null],
      ['max_memory', { memory: '4 GiB' }, { max_memory: '8 GiB' }, null, 8 * GIB],
      ['maxMemory', {}, { maxMemory: 3 * GIB }, null, 3 * GIB],
      ['both', { cpu: 1, memory: '1 GiB' }, { max_cpu: 8, max_memory: '32 GiB' }, 8, 32 * GIB],
    ])('%s', (_label, requirements, hints, cpuLimit, memoryLimit) => {
      const { constraints, warnings } = resolveTask(requirements, hints);
      expect(constraints.cpuLimit).toBe(cpuLimit);
      expect(constraints.memoryLimit).toBe(memoryLimit);
      expect(warnings).toEqual([]);
    });

    it('lowers a limit above the per-task maximum, with a warning', () => {
      const { constraints, warnings } = resolveTask({ cpu: 2 }, { max_cpu: 16, max_memory: '64 GiB' });
      expect(constraints.cpuLimit).toBe(8);
      expect(constraints.memoryLimit).toBe(32 * GIB);
      expect(warnings).toEqual([
        'hints.max_cpu: limit lowered from 16 CPUs to 8 CPUs, the most the docker backend gives one task',
        'hints.max_memory: limit lowered from 64 GiB (68719476736 bytes) of memory to 32 GiB (34359738368 bytes) of memory, the most the docker backend gives one task',
      ]);
    });

    it('accepts a lowered limit equal to a clamped request', () => {
      const { constraints, warnings } = resolveTask({ cpu: 12 }, { max_cpu: 16 }, capacity(), { cpuLimitBehavior: 'try_with_max' });
      expect(constraints.cpu).toBe(8);
      expect(constraints.cpuLimit).toBe(8);
      expect(warnings).toHaveLength(2);
    });

    it('rejects max_cpu below the request', () => {
      const error = capstanErrorOf(() => resolveTask({ cpu: 2 }, { max_cpu: 1 }));
      expect(error.code).toBe('resource.limit_below_request');
      expect(error.path).toBe('hints.max_cpu');
      expect(error.message).toBe(
        'the limit of 1 CPU is below the request of 2 CPUs; raise hints.max_cpu to at least the request, or lower the request',
      );
      expect(error.details).toEqual({ value: 1, limit: 2 });
    });

    it('rejects max_memory below the request (the default 2 GiB)', () => {
      const error = capstanErrorOf(() => resolveTask({}, { max_memory: '1 GiB' }));
      expect(error.code).toBe('resource.limit_below_request');
      expect(error.path).toBe('hints.max_memory');
      expect(error.message).toContain('the limit of 1 GiB (1073741824 bytes) of memory is below the request of 2 GiB (2147483648 bytes) of memory');
    });

    it('checks the request against the maximum before the limit', () => {
      const cap = capacity({ perTaskMax: { cpu: 4 } });
      expect(capstanErrorOf(() => resolveTask({ cpu: 4.5 }, { max_cpu: 6 }, cap, { cpuLimitBehavior: 'deny' })).code).toBe('resource.exceeds_capacity');
    });
  });

  describe('GPUs', () => {
    it.each<LimitBehavior | undefined>([undefined, 'deny', 'try_with_max'])(
      'rejects gpu: true on a backend without GPUs under behavior %s',
      (gpuLimitBehavior) => {
        const cap = capacity({ perTaskMax: { gpu: 0 } });
        const options = gpuLimitBehavior === undefined ? {} : { gpuLimitBehavior };
        const error = capstanErrorOf(() => resolveTask({ gpu: true }, { gpu: 1 }, cap, options));
        expect(error.code).toBe('resource.accelerator_unavailable');
        expect(error.path).toBe('requirements.gpu');
        expect(error.message).toBe(
          'task requires a GPU but the docker backend has none; run it on a backend with GPUs, or set requirements.gpu to false',
        );
      },
    );

    it.each<[string, Record<string, unknown>, number, string | null]>([
      ['no hint: one GPU', {}, 1, null],
      ['a count', { gpu: 2 }, 2, null],
      ['a count of zero: still one GPU', { gpu: 0 }, 1, null],
      ['a spec: one GPU of that kind', { gpu: 'nvidia-tesla-t4' }, 1, 'nvidia-tesla-t4'],
    ])('counts GPUs from the hint: %s', (_label, hints, gpu, gpuSpec) => {
      const { constraints, warnings } = resolveTask({ gpu: true }, hints);
      expect(constraints.gpu).toBe(gpu);
      expect(constraints.gpuSpec).toBe(gpuSpec);
      expect(warnings).toEqual([]);
    });

    it('denies more GPUs than a task can get', () => {
      const error = capstanErrorOf(() => resolveTask({ gpu: true }, { gpu: 4 }));
      expect(error.code).toBe('resource.exceeds_capacity');
      expect(error.path).toBe('hints.gpu');
      expect(error.message).toBe(
        'task requires 4 GPUs but the docker backend has at most 2 GPUs per task; lower hints.gpu, or set the gpu limit behavior to try_with_max to clamp',
      );
    });

    it('clamps the GPU count under try_with_max', () => {
      const { constraints, warnings } = resolveTask({ gpu: true }, { gpu: 4 }, capacity(), { gpuLimitBehavior: 'try_with_max' });
      expect(constraints.gpu).toBe(2);
      expect(warnings).toEqual(['hints.gpu: clamped from 4 GPUs to 2 GPUs, the most the docker backend gives one task (gpu limit behavior try_with_max)']);
    });

    it('ignores a gpu hint when gpu is not required, with a warning', () => {
      const { constraints, warnings } = resolveTask({}, { gpu: 2 }, capacity({ perTaskMax: { gpu: 0 } }));
      expect(constraints.gpu).toBe(0);
      expect(constraints.gpuSpec).toBeNull();
      expect(warnings).toEqual(['hints.gpu: ignored, because requirements.gpu is false']);
    });
  });

  describe('FPGAs', () => {
    it.each<LimitBehavior | undefined>([undefined, 'deny', 'try_with_max'])(
      'rejects fpga: true on a backend without FPGAs (gpu behavior %s)',
      (gpuLimitBehavior) => {
        const options = gpuLimitBehavior === undefined ? {} : { gpuLimitBehavior };
        const error = capstanErrorOf(() => resolveTask({ fpga: true }, {}, capacity({ fpga: 0 }), options));
        expect(error.code).toBe('resource.accelerator_unavailable');
        expect(error.path).toBe('requirements.fpga');
        expect(error.message).toBe(
          'task requires a FPGA but the docker backend has none; run it on a backend with FPGAs, or set requirements.fpga to false',
        );
      },
    );

    it('checks FPGAs against capacity.fpga, not the GPU maximum', () => {
      expect(resolveTask({ fpga: true }, {}, capacity({ fpga: 1, perTaskMax: { gpu: 0 } })).constraints.fpga).toBe(1);
    });

    it.each<[string, Record<string, unknown>, number, string | null]>([
      ['no hint', {}, 1, null],
      ['a count', { fpga: 2 }, 2, null],
      ['a spec', { fpga: 'xilinx-u250' }, 1, 'xilinx-u250'],
    ])('counts FPGAs from the hint: %s', (_label, hints, fpga, fpgaSpec) => {
      const { constraints } = resolveTask({ fpga: true }, hints, capacity({ fpga: 2 }));
      expect(constraints.fpga).toBe(fpga);
      expect(constraints.fpgaSpec).toBe(fpgaSpec);
    });

    it('denies more FPGAs than a task can get, without suggesting a limit behavior that does not apply', () => {
      for (const gpuLimitBehavior of LIMIT_BEHAVIORS) {
        const error = capstanErrorOf(() => resolveTask({ fpga: true }, { fpga: 3 }, capacity({ fpga: 2 }), { gpuLimitBehavior }));
        expect(error.code).toBe('resource.exceeds_capacity');
        expect(error.path).toBe('hints.fpga');
        expect(error.message).toBe('task requires 3 FPGAs but the docker backend has at most 2 FPGAs per task; lower hints.fpga');
      }
    });

    it('ignores an fpga hint when fpga is not required, with a warning', () => {
      const { constraints, warnings } = resolveTask({}, { fpga: 'xilinx' });
      expect(constraints.fpga).toBe(0);
      expect(constraints.fpgaSpec).toBeNull();
      expect(warnings).toEqual(['hints.fpga: ignored, because requirements.fpga is false']);
    });
  });

  describe('container candidates', () => {
    it('keeps usable candidates in order', () => {
      const { constraints, warnings } = resolveTask({ container: ['ubuntu:22.04', 'docker://debian:12'] });
      expect(constraints.containers.map((c) => c.reference)).toEqual(['ubuntu:22.04', 'debian:12']);
      expect(constraints.skippedContainers).toEqual([]);
      expect(warnings).toEqual([]);
    });

    it('skips candidates of kinds the backend cannot run, keeping the reason', () => {
      const { constraints, warnings } = resolveTask({ container: ['library://sylabs/bio/bwa:0.7', 'img.sif', 'ubuntu:22.04'] });
      expect(constraints.containers).toEqual([UBUNTU]);
      expect(constraints.skippedContainers).toEqual([
        { uri: 'library://sylabs/bio/bwa:0.7', reason: '"library://sylabs/bio/bwa:0.7" is a library image, which the docker backend cannot run (it runs docker)' },
        { uri: 'img.sif', reason: '"img.sif" is a sif image, which the docker backend cannot run (it runs docker)' },
      ]);
      expect(warnings).toEqual([
        'requirements.container: skipped "library://sylabs/bio/bwa:0.7" is a library image, which the docker backend cannot run (it runs docker)',
        'requirements.container: skipped "img.sif" is a sif image, which the docker backend cannot run (it runs docker)',
      ]);
    });

    it('skips candidates with a problem even when their kind is supported', () => {
      const { constraints } = resolveTask({ container: ['Ubuntu:latest', 'https://example.com/img', 'ubuntu:22.04'] }, {}, capacity({ containerKinds: ['docker', 'unknown'] }));
      expect(constraints.containers).toEqual([UBUNTU]);
      expect(constraints.skippedContainers.map((skip) => skip.uri)).toEqual(['Ubuntu:latest', 'https://example.com/img']);
      expect(constraints.skippedContainers[0]?.reason).toMatch(/^"Ubuntu:latest" is not a valid Docker image reference/);
      expect(constraints.skippedContainers[1]?.reason).toMatch(/^"https:\/\/example.com\/img" uses the protocol "https:\/\/"/);
    });

    it('fails with container.none_usable listing every candidate and why', () => {
      const error = capstanErrorOf(() => resolveTask({ container: ['library://a/b', 'Ubuntu', 'https://x.org/i'] }));
      expect(error.code).toBe('container.none_usable');
      expect(error.path).toBe('requirements.container');
      const lines = error.message.split('\n');
      expect(lines[0]).toBe('none of the 3 container candidates can run on the docker backend:');
      expect(lines[1]).toBe('  1. "library://a/b" is a library image, which the docker backend cannot run (it runs docker)');
      expect(lines[2]).toMatch(/^ {2}2\. "Ubuntu" is not a valid Docker image reference/);
      expect(lines[3]).toMatch(/^ {2}3\. "https:\/\/x.org\/i" uses the protocol "https:\/\/"/);
      expect(lines[4]).toBe('add a candidate the backend can run, or choose another backend');
      expect(error.details['candidates']).toHaveLength(3);
    });

    it('says "candidate" for one and "none" for a backend that runs no images', () => {
      const error = capstanErrorOf(() => resolveTask({ container: 'ubuntu' }, {}, capacity({ containerKinds: [] })));
      expect(error.message).toContain('none of the 1 container candidate can run');
      expect(error.message).toContain('(it runs none)');
    });

    it('replaces "*" with the default container when one is configured', () => {
      const { constraints, warnings } = resolveTask({ container: '*' }, {}, capacity(), { defaultContainer: 'ubuntu:22.04' });
      expect(constraints.containers).toEqual([UBUNTU]);
      expect(warnings).toEqual([]);
    });

    it('uses the default container for the "*" entry of a list only', () => {
      const { constraints } = resolveTask({ container: ['debian:12', '*'] }, {}, capacity(), { defaultContainer: 'ubuntu:22.04' });
      expect(constraints.containers.map((c) => c.reference)).toEqual(['debian:12', 'ubuntu:22.04']);
    });

    it('leaves explicit candidates alone when a default container is configured', () => {
      const { constraints } = resolveTask({ container: 'debian:12' }, {}, capacity(), { defaultContainer: 'ubuntu:22.04' });
      expect(constraints.containers.map((c) => c.reference)).toEqual(['debian:12']);
    });

    it('keeps "*" as any environment on a backend that accepts it', () => {
      const { constraints } = resolveTask({ container: '*' }, {}, capacity({ containerKinds: ['any'] }), { backendName: 'local' });
      expect(constraints.containers).toEqual([{ kind: 'any', reference: '*', uri: '*' }]);
    });

    it('rejects "*" without a default container on a backend that needs an image', () => {
      const error = capstanErrorOf(() => resolveTask({ container: '*' }));
      expect(error.code).toBe('container.none_usable');
      expect(error.message).toContain('"*" means any environment, and no default container is configured for the docker backend (set a default container)');
    });

    it('reports a default container that is itself unusable, under the "*" it replaced', () => {
      const error = capstanErrorOf(() => resolveTask({ container: '*' }, {}, capacity(), { defaultContainer: 'Not Valid' }));
      expect(error.code).toBe('container.none_usable');
      expect(error.details['candidates']).toEqual([{ uri: '*', reason: expect.stringMatching(/^"Not Valid" is not a valid Docker image reference/) }]);
    });
  });

  describe('disks', () => {
    it.each<[string, Record<string, unknown>, Record<string, unknown>, Record<string, number>, Record<string, string>]>([
      ['the default', {}, {}, { '/': GIB }, {}],
      [
        'Cromwell classes',
        { disks: ['local-disk 10 SSD', '/mnt/data 100 GiB'] },
        {},
        { '/': 10 * GIB, '/mnt/data': 100 * GIB },
        { '/': 'SSD' },
      ],
      [
        'one class for every disk from the hint, the Cromwell word winning',
        { disks: ['local-disk 10 SSD', '/mnt/data 100 GiB'] },
        { disks: 'HDD' },
        { '/': 10 * GIB, '/mnt/data': 100 * GIB },
        { '/': 'SSD', '/mnt/data': 'HDD' },
      ],
      [
        'classes per mount point from the hint',
        { disks: ['20', '/mnt/data 100 GiB', '/mnt/tmp 5'] },
        { disks: { '/mnt/data': 'SSD', '/mnt/other': 'HDD' } },
        { '/': 20 * GIB, '/mnt/data': 100 * GIB, '/mnt/tmp': 5 * GIB },
        { '/mnt/data': 'SSD' },
      ],
    ])('maps %s', (_label, requirements, hints, disks, diskClasses) => {
      const { constraints } = resolveTask(requirements, hints);
      expect(constraints.disks).toEqual(disks);
      expect(constraints.diskClasses).toEqual(diskClasses);
    });
  });

  it('does not modify the requirements or hints it is given', () => {
    const requirements = parseRequirements({ container: ['library://a/b', '*'], cpu: 12, disks: 'local-disk 1 SSD' });
    const hints = parseHints({ max_cpu: 16, gpu: 1 });
    const before = JSON.stringify([requirements, hints]);
    resolveConstraints(requirements, hints, capacity(), { backendName: 'docker', cpuLimitBehavior: 'try_with_max', defaultContainer: 'ubuntu' });
    expect(JSON.stringify([requirements, hints])).toBe(before);
  });
});
