import fc from 'fast-check';
import { CapstanError } from '../errors/capstan-error';
import { GIB } from '../units/size';
import { type Hints, parseHints } from './hints';

function capstanErrorOf(run: () => unknown): CapstanError {
  try {
    run();
  } catch (error) {
    if (error instanceof CapstanError) return error;
    throw error;
  }
  throw new Error('expected a CapstanError, but nothing was thrown');
}

const DEFAULTS: Hints = { shortTask: false, preemptible: 0, localizationOptional: false, other: {} };

describe('parseHints', () => {
  it.each<[string, unknown]>([
    ['undefined', undefined],
    ['null', null],
    ['an empty mapping', {}],
  ])('gives the defaults for %s, without unset optional hints', (_label, value) => {
    const hints = parseHints(value);
    expect(hints).toEqual(DEFAULTS);
    expect(Object.keys(hints).sort()).toEqual(['localizationOptional', 'other', 'preemptible', 'shortTask']);
  });

  it.each<[string, Record<string, unknown>, Partial<Hints>]>([
    ['max_cpu', { max_cpu: 4 }, { maxCpu: 4 }],
    ['maxCpu as an alias', { maxCpu: 2.5 }, { maxCpu: 2.5 }],
    ['max_memory as a string', { max_memory: '8 GiB' }, { maxMemory: 8 * GIB }],
    ['max_memory as an Int', { max_memory: 1000 }, { maxMemory: 1000 }],
    ['maxMemory as an alias', { maxMemory: '6.2 GB' }, { maxMemory: 6_200_000_000 }],
    ['gpu as a count', { gpu: 2 }, { gpu: { count: 2 } }],
    ['gpu as zero', { gpu: 0 }, { gpu: { count: 0 } }],
    ['gpu as a spec', { gpu: 'nvidia-tesla-t4' }, { gpu: { spec: 'nvidia-tesla-t4' } }],
    ['fpga as a count', { fpga: 1 }, { fpga: { count: 1 } }],
    ['fpga as a spec', { fpga: 'xilinx-u250' }, { fpga: { spec: 'xilinx-u250' } }],
    ['disks as a string', { disks: 'SSD' }, { disks: 'SSD' }],
    ['disks as a mapping', { disks: { '/': 'SSD', '/mnt/data': 'HDD' } }, { disks: { '/': 'SSD', '/mnt/data': 'HDD' } }],
    ['short_task', { short_task: true }, { shortTask: true }],
    ['preemptible as an Int', { preemptible: 3 }, { preemptible: 3 }],
    ['preemptible true', { preemptible: true }, { preemptible: 1 }],
    ['preemptible false', { preemptible: false }, { preemptible: 0 }],
    ['localization_optional', { localization_optional: true }, { localizationOptional: true }],
    ['localizationOptional as an alias', { localizationOptional: true }, { localizationOptional: true }],
  ])('reads the reserved hint %s', (_label, value, expected) => {
    expect(parseHints(value)).toEqual({ ...DEFAULTS, ...expected });
  });

  it('keeps unknown hints as written in other, and does not copy reserved ones there', () => {
    const hints = parseHints({
      max_cpu: 2,
      zones: ['us-east1-b'],
      'my-engine:queue': 'long',
      bootDiskSizeGb: 20,
      nested: { a: [1, null] },
      memroy: 'not checked',
      gpu: 1,
    });
    expect(hints.other).toEqual({
      zones: ['us-east1-b'],
      'my-engine:queue': 'long',
      bootDiskSizeGb: 20,
      nested: { a: [1, null] },
      memroy: 'not checked',
    });
    expect(hints.maxCpu).toBe(2);
    expect(hints.gpu).toEqual({ count: 1 });
  });

  it.each<[string, unknown, string, string]>([
    ['a list section', ['gpu'], 'value.invalid', 'hints'],
    ['a string section', 'gpu', 'value.invalid', 'hints'],
    ['max_cpu as a string', { max_cpu: 'four' }, 'value.invalid', 'hints.max_cpu'],
    ['max_cpu zero', { max_cpu: 0 }, 'value.invalid', 'hints.max_cpu'],
    ['maxCpu negative', { maxCpu: -2 }, 'value.invalid', 'hints.maxCpu'],
    ['max_memory invalid', { max_memory: 'lots' }, 'size.invalid', 'hints.max_memory'],
    ['maxMemory as a bool', { maxMemory: true }, 'size.invalid', 'hints.maxMemory'],
    ['gpu as a bool', { gpu: true }, 'value.invalid', 'hints.gpu'],
    ['gpu negative', { gpu: -1 }, 'value.invalid', 'hints.gpu'],
    ['gpu fractional', { gpu: 1.5 }, 'value.invalid', 'hints.gpu'],
    ['gpu empty spec', { gpu: '' }, 'value.invalid', 'hints.gpu'],
    ['fpga as a list', { fpga: [1] }, 'value.invalid', 'hints.fpga'],
    ['disks as a number', { disks: 10 }, 'value.invalid', 'hints.disks'],
    ['disks as an empty string', { disks: '' }, 'value.invalid', 'hints.disks'],
    ['disks with a non-string class', { disks: { '/': 1 } }, 'value.invalid', 'hints.disks'],
    ['short_task as a string', { short_task: 'yes' }, 'value.invalid', 'hints.short_task'],
    ['preemptible negative', { preemptible: -1 }, 'value.invalid', 'hints.preemptible'],
    ['preemptible as a string', { preemptible: 'true' }, 'value.invalid', 'hints.preemptible'],
    ['localization_optional as an Int', { localization_optional: 1 }, 'value.invalid', 'hints.localization_optional'],
    ['both max_cpu and maxCpu', { max_cpu: 1, maxCpu: 1 }, 'value.invalid', 'hints.maxCpu'],
    ['both max_memory and maxMemory', { max_memory: 1, maxMemory: 1 }, 'value.invalid', 'hints.maxMemory'],
    ['both localization_optional and localizationOptional', { localization_optional: true, localizationOptional: true }, 'value.invalid', 'hints.localizationOptional'],
  ])('rejects %s', (_label, value, code, path) => {
    const error = capstanErrorOf(() => parseHints(value));
    expect(error.code).toBe(code);
    expect(error.path).toBe(path);
  });

  it('puts the path under the section path given', () => {
    expect(capstanErrorOf(() => parseHints({ gpu: true }, 'tasks.0.hints')).path).toBe('tasks.0.hints.gpu');
    expect(capstanErrorOf(() => parseHints({ gpu: true }, null)).path).toBe('gpu');
  });

  it('never fails on unknown hints, whatever their values', () => {
    const reserved = new Set(['max_cpu', 'maxCpu', 'max_memory', 'maxMemory', 'gpu', 'fpga', 'disks', 'short_task', 'preemptible', 'localization_optional', 'localizationOptional']);
    const key = fc.string({ minLength: 1 }).filter((k) => !reserved.has(k) && k !== '__proto__');
    fc.assert(
      fc.property(fc.dictionary(key, fc.anything({ withBigInt: true })), (section) => {
        expect(parseHints(section).other).toEqual(section);
      }),
    );
  });

  it('throws nothing but CapstanErrors for any section', () => {
    const key = fc.constantFrom('max_cpu', 'maxCpu', 'max_memory', 'gpu', 'fpga', 'disks', 'short_task', 'preemptible', 'localization_optional', 'other');
    const section = fc.oneof(fc.anything({ withBigInt: true }), fc.dictionary(key, fc.anything({ withBigInt: true }), { maxKeys: 3 }));
    fc.assert(
      fc.property(section, (value) => {
        try {
          parseHints(value);
        } catch (error) {
          expect(error).toBeInstanceOf(CapstanError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('parseHints with a "__proto__" key', () => {
  it('keeps it as an other hint and leaves the prototype alone', () => {
    const hints = parseHints(JSON.parse('{"__proto__": {"polluted": true}, "shell": "sh"}'));
    expect(Object.getPrototypeOf(hints.other)).toBe(Object.prototype);
    expect(Object.keys(hints.other)).toEqual(['__proto__', 'shell']);
    expect((hints.other as { polluted?: unknown }).polluted).toBeUndefined();
  });
});
