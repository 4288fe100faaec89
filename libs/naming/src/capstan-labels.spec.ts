import { hostname } from 'node:os';
import fc from 'fast-check';
import { CapstanError, ErrorCode } from '@capstan/core-constraints';
import {
  CapstanLabel,
  capstanLabels,
  type CapstanLabelInput,
  LABEL_PREFIX,
  type LabelEnvironment,
  labelFilter,
  MAX_LABEL_VALUE_LENGTH,
  parseCapstanLabels,
  systemLabelEnvironment,
} from './capstan-labels';

const fakeEnv: LabelEnvironment = {
  hostname: () => 'worker-7.cluster.example',
  pid: 4242,
  now: () => new Date('2025-01-31T12:34:56.789Z'),
};

const input: CapstanLabelInput = {
  runId: 'r1x2y3z4w5v6',
  taskName: 'Align Reads: sample_01',
  uniqueName: 'align-reads-sample-01-abcdef012345',
  attempt: 1,
};

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof CapstanError ? error.code : 'not a CapstanError';
  }
  return undefined;
}

describe('label keys', () => {
  it('all live under io.capstan.', () => {
    expect(LABEL_PREFIX).toBe('io.capstan');
    expect(Object.values(CapstanLabel)).toEqual([
      'io.capstan.managed',
      'io.capstan.run-id',
      'io.capstan.task',
      'io.capstan.unique-name',
      'io.capstan.attempt',
      'io.capstan.owner-host',
      'io.capstan.owner-pid',
      'io.capstan.created',
    ]);
  });
});

describe('capstanLabels', () => {
  it('gives every label as a string, with the environment defaults', () => {
    expect(capstanLabels(input, fakeEnv)).toEqual({
      'io.capstan.managed': 'true',
      'io.capstan.run-id': 'r1x2y3z4w5v6',
      'io.capstan.task': 'Align Reads: sample_01',
      'io.capstan.unique-name': 'align-reads-sample-01-abcdef012345',
      'io.capstan.attempt': '1',
      'io.capstan.owner-host': 'worker-7.cluster.example',
      'io.capstan.owner-pid': '4242',
      'io.capstan.created': '2025-01-31T12:34:56.789Z',
    });
  });

  it('lets explicit owner values override the environment', () => {
    const labels = capstanLabels(
      { ...input, ownerHost: 'other', ownerPid: 7, created: new Date(Date.UTC(2024, 1, 29, 23, 59, 59)) },
      fakeEnv,
    );
    expect(labels[CapstanLabel.OwnerHost]).toBe('other');
    expect(labels[CapstanLabel.OwnerPid]).toBe('7');
    expect(labels[CapstanLabel.Created]).toBe('2024-02-29T23:59:59.000Z');
  });

  it('defaults to os.hostname(), process.pid and the clock', () => {
    const before = Date.now();
    const labels = capstanLabels(input);
    expect(labels[CapstanLabel.OwnerHost]).toBe(hostname());
    expect(labels[CapstanLabel.OwnerPid]).toBe(String(process.pid));
    const created = Date.parse(labels[CapstanLabel.Created]);
    expect(created).toBeGreaterThanOrEqual(before);
    expect(created).toBeLessThanOrEqual(Date.now());
    expect(systemLabelEnvironment.pid).toBe(process.pid);
  });

  it('writes the creation time in UTC whatever the input Date was built from', () => {
    const labels = capstanLabels({ ...input, created: new Date('2025-06-01T08:00:00+02:00') }, fakeEnv);
    expect(labels[CapstanLabel.Created]).toBe('2025-06-01T06:00:00.000Z');
  });

  it('keeps the task name as given, any characters', () => {
    const taskName = 'Ünïcode: "quotes", =equals=, new\nline, 🧬, tab\t';
    expect(capstanLabels({ ...input, taskName }, fakeEnv)[CapstanLabel.Task]).toBe(taskName);
    expect(capstanLabels({ ...input, taskName: '' }, fakeEnv)[CapstanLabel.Task]).toBe('');
  });

  it(`cuts values to ${MAX_LABEL_VALUE_LENGTH} code units without splitting a surrogate pair`, () => {
    expect(capstanLabels({ ...input, taskName: 'x'.repeat(10_000) }, fakeEnv)[CapstanLabel.Task]).toBe(
      'x'.repeat(MAX_LABEL_VALUE_LENGTH),
    );
    // 255 'x' then emoji: code units 256 and 257 are the pair; the high half alone would be cut off mid-pair.
    const task = capstanLabels({ ...input, taskName: `${'x'.repeat(255)}🧬🧬` }, fakeEnv)[CapstanLabel.Task];
    expect(task).toBe('x'.repeat(255));
    const even = capstanLabels({ ...input, taskName: `${'x'.repeat(254)}🧬🧬` }, fakeEnv)[CapstanLabel.Task];
    expect(even).toBe(`${'x'.repeat(254)}🧬`);
  });

  it('replaces lone surrogates, which JSON-to-Go would not round-trip, with U+FFFD', () => {
    expect(capstanLabels({ ...input, taskName: 'a\ud800b\udc00c' }, fakeEnv)[CapstanLabel.Task]).toBe('a\ufffdb\ufffdc');
  });

  it.each<[string, Partial<CapstanLabelInput>]>([
    ['empty run id', { runId: '' }],
    ['empty unique name', { uniqueName: '' }],
    ['negative attempt', { attempt: -1 }],
    ['fractional attempt', { attempt: 0.5 }],
    ['NaN attempt', { attempt: Number.NaN }],
    ['zero pid', { ownerPid: 0 }],
    ['fractional pid', { ownerPid: 1.5 }],
    ['invalid date', { created: new Date('not a date') }],
  ])('rejects %s as value.invalid', (_what, override) => {
    expect(codeOf(() => capstanLabels({ ...input, ...override }, fakeEnv))).toBe(ErrorCode.InvalidValue);
  });
});

describe('parseCapstanLabels', () => {
  it('round-trips capstanLabels', () => {
    expect(parseCapstanLabels(capstanLabels(input, fakeEnv))).toEqual({
      runId: 'r1x2y3z4w5v6',
      taskName: 'Align Reads: sample_01',
      uniqueName: 'align-reads-sample-01-abcdef012345',
      attempt: 1,
      ownerHost: 'worker-7.cluster.example',
      ownerPid: 4242,
      created: new Date('2025-01-31T12:34:56.789Z'),
    });
  });

  it('round-trips arbitrary inputs (property)', () => {
    const nonEmpty = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 100 });
    fc.assert(
      fc.property(
        fc.record({
          runId: nonEmpty,
          taskName: fc.string({ unit: 'grapheme', maxLength: 100 }),
          uniqueName: nonEmpty,
          attempt: fc.nat(),
          ownerHost: nonEmpty,
          ownerPid: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
          created: fc.date({ min: new Date(0), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }),
        }),
        (owner) => {
          expect(parseCapstanLabels(capstanLabels(owner, fakeEnv))).toEqual(owner);
        },
      ),
    );
  });

  it('ignores labels of other owners next to Capstan labels', () => {
    const labels = {
      ...capstanLabels(input, fakeEnv),
      'org.opencontainers.image.source': 'https://example.org',
      maintainer: 'someone',
    };
    expect(parseCapstanLabels(labels)?.runId).toBe(input.runId);
  });

  it('reads a creation time with an explicit offset', () => {
    const labels = { ...capstanLabels(input, fakeEnv), [CapstanLabel.Created]: '2025-01-31T14:34:56+02:00' };
    expect(parseCapstanLabels(labels)?.created.toISOString()).toBe('2025-01-31T12:34:56.000Z');
  });

  it('gives undefined for resources that are not Capstan’s', () => {
    expect(parseCapstanLabels({})).toBeUndefined();
    expect(parseCapstanLabels({ 'com.docker.compose.project': 'web', maintainer: 'x' })).toBeUndefined();
    const unmarked: Record<string, string> = { ...capstanLabels(input, fakeEnv) };
    delete unmarked[CapstanLabel.Managed];
    expect(parseCapstanLabels(unmarked)).toBeUndefined();
    expect(parseCapstanLabels({ ...capstanLabels(input, fakeEnv), [CapstanLabel.Managed]: 'false' })).toBeUndefined();
    expect(parseCapstanLabels({ ...capstanLabels(input, fakeEnv), [CapstanLabel.Managed]: 'TRUE' })).toBeUndefined();
  });

  it('does not look at the prototype chain', () => {
    const inherited = Object.create(capstanLabels(input, fakeEnv)) as Record<string, string>;
    expect(parseCapstanLabels(inherited)).toBeUndefined();
  });

  it.each<[string, CapstanLabel, string | undefined]>([
    ['missing run id', CapstanLabel.RunId, undefined],
    ['empty run id', CapstanLabel.RunId, ''],
    ['missing task', CapstanLabel.Task, undefined],
    ['missing unique name', CapstanLabel.UniqueName, undefined],
    ['empty unique name', CapstanLabel.UniqueName, ''],
    ['missing attempt', CapstanLabel.Attempt, undefined],
    ['non-numeric attempt', CapstanLabel.Attempt, 'one'],
    ['negative attempt', CapstanLabel.Attempt, '-1'],
    ['fractional attempt', CapstanLabel.Attempt, '1.5'],
    ['padded attempt', CapstanLabel.Attempt, ' 1'],
    ['missing host', CapstanLabel.OwnerHost, undefined],
    ['empty host', CapstanLabel.OwnerHost, ''],
    ['missing pid', CapstanLabel.OwnerPid, undefined],
    ['zero pid', CapstanLabel.OwnerPid, '0'],
    ['hex pid', CapstanLabel.OwnerPid, '0x10'],
    ['leading-zero pid', CapstanLabel.OwnerPid, '010'],
    ['huge pid', CapstanLabel.OwnerPid, '99999999999999999999'],
    ['missing date', CapstanLabel.Created, undefined],
    ['date without time', CapstanLabel.Created, '2025-01-31'],
    ['date without zone', CapstanLabel.Created, '2025-01-31T12:34:56'],
    ['impossible date', CapstanLabel.Created, '2025-13-45T12:34:56Z'],
    ['not a date', CapstanLabel.Created, 'yesterday'],
  ])('gives undefined for a managed resource with %s (cleanup must not guess)', (_what, key, value) => {
    const labels: Record<string, string> = { ...capstanLabels(input, fakeEnv) };
    if (value === undefined) delete labels[key];
    else labels[key] = value;
    expect(parseCapstanLabels(labels)).toBeUndefined();
  });

  it('accepts an empty original task name (a task name may be empty; the unique name never is)', () => {
    expect(parseCapstanLabels(capstanLabels({ ...input, taskName: '' }, fakeEnv))?.taskName).toBe('');
  });
});

describe('labelFilter', () => {
  it('selects everything Capstan created', () => {
    expect(labelFilter()).toEqual({ label: ['io.capstan.managed=true'] });
  });

  it('narrows to one run', () => {
    expect(labelFilter({ runId: 'r1x2y3z4w5v6' })).toEqual({
      label: ['io.capstan.managed=true', 'io.capstan.run-id=r1x2y3z4w5v6'],
    });
    expect(codeOf(() => labelFilter({ runId: '' }))).toBe(ErrorCode.InvalidValue);
  });

  it('matches the labels capstanLabels writes', () => {
    const labels = capstanLabels(input, fakeEnv);
    for (const term of labelFilter({ runId: input.runId }).label) {
      const eq = term.indexOf('=');
      expect(labels[term.slice(0, eq) as CapstanLabel]).toBe(term.slice(eq + 1));
    }
  });
});
