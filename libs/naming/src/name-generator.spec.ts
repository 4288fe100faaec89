import 'reflect-metadata';
import { container } from 'tsyringe';
import fc from 'fast-check';
import { CapstanError, ErrorCode } from '@capstan/core-constraints';
import { MAX_ATTEMPT, NameGenerator, RUN_ID_LENGTH } from './name-generator';
import { NAME_ALPHABET, type RandomSource } from './random-source';
import { MAX_NAME_LENGTH } from './sanitize-task-name';

/** Docker's container-name rule (daemon/names: `^/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$`). */
const DOCKER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
/** RFC 1123 DNS label, as Kubernetes checks it (length checked separately). */
const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
/** Safe for a Slurm job name (`--job-name`, no shell or format-sensitive characters). */
const SLURM_JOB_NAME = /^[A-Za-z0-9_.-]+$/;
/** A portable file name (POSIX portable set, not '.'/'..', not starting with '-'). */
const PORTABLE_FILE_NAME = /^[A-Za-z0-9._][A-Za-z0-9._-]*$/;
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i;

/** The rules `name` breaks (empty when it is valid as a Docker, DNS, Slurm and file name of at most 63 characters). */
function brokenRules(name: string): string[] {
  const broken: string[] = [];
  if (name.length > MAX_NAME_LENGTH) broken.push(`longer than ${MAX_NAME_LENGTH}`);
  if (!DOCKER_NAME.test(name)) broken.push('docker container name');
  if (!DNS_LABEL.test(name)) broken.push('DNS label');
  if (!SLURM_JOB_NAME.test(name)) broken.push('Slurm job name');
  if (!PORTABLE_FILE_NAME.test(name) || WINDOWS_RESERVED.test(name) || name === '.' || name === '..') {
    broken.push('portable file name');
  }
  return broken;
}

function expectValidEverywhere(name: string): void {
  expect({ name, broken: brokenRules(name) }).toEqual({ name, broken: [] });
}

/** A source that turns each scripted string of alphabet characters into the bytes that produce it. */
function scriptedSuffixes(suffixes: readonly string[]): RandomSource & { calls(): number } {
  const bytes: number[] = [];
  for (const suffix of suffixes) {
    for (const ch of suffix) bytes.push(NAME_ALPHABET.indexOf(ch));
  }
  let position = 0;
  let calls = 0;
  // Each draw of n characters asks for n + 4 bytes; give the scripted ones and pad with rejected bytes (255).
  const source = (size: number): Uint8Array => {
    calls++;
    const out = new Uint8Array(size).fill(255);
    for (let i = 0; i < size - 4 && position < bytes.length; i++) out[i] = bytes[position++] ?? 255;
    return out;
  };
  return Object.assign(source, { calls: () => calls });
}

describe('NameGenerator.next', () => {
  it('is the sanitised prefix, a dash and 12 random characters', () => {
    const names = new NameGenerator(scriptedSuffixes(['abcdef012345']), new Set());
    expect(names.next('Align Reads: sample_01')).toBe('align-reads-sample-01-abcdef012345');
  });

  it.each([
    ['Align Reads', /^align-reads-[0-9a-z]{12}$/],
    ['', /^task-[0-9a-z]{12}$/],
    ['日本語', /^task-[0-9a-z]{12}$/],
    ['x'.repeat(1000), new RegExp(`^x{50}-[0-9a-z]{12}$`)],
  ])('%j gives a name like %s', (taskName, shape) => {
    const name = new NameGenerator().next(taskName);
    expect(name).toMatch(shape);
    expectValidEverywhere(name);
  });

  it('keeps a 1000-character task name within 63 characters', () => {
    const name = new NameGenerator().next('Very long '.repeat(100));
    // The cut at 50 falls on a separator, which is trimmed: 49 + 1 + 12.
    expect(name).toMatch(/^(very-long-){4}very-long-[0-9a-z]{12}$/);
    expect(name).toHaveLength(62);
    expectValidEverywhere(name);
  });

  it('gives valid names for thousands of generated names from assorted task names', () => {
    const names = new NameGenerator();
    const taskNames = ['', 'a', 'A.B_C d', '-x-', 'ünï', '🧬', 'z'.repeat(70), '9lives', 'a'.repeat(49) + '_b'];
    const invalid: string[] = [];
    for (let i = 0; i < 5000; i++) {
      const name = names.next(taskNames[i % taskNames.length] ?? '');
      if (brokenRules(name).length > 0) invalid.push(name);
    }
    expect(invalid).toEqual([]);
  });

  it('gives a valid name of at most 63 characters for any unicode task name (property)', () => {
    const names = new NameGenerator();
    const anyUnicode = fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.string({ unit: 'grapheme', maxLength: 100 }),
      fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 120 }).map((units) => String.fromCharCode(...units)),
    );
    fc.assert(
      fc.property(anyUnicode, fc.integer({ min: 0, max: MAX_ATTEMPT }), (taskName, attempt) => {
        const name = names.next(taskName);
        // Plain booleans, so that fast-check reports the smallest failing task name.
        return brokenRules(name).length === 0 && brokenRules(names.attempt(name, attempt)).length === 0;
      }),
      { numRuns: 3000 },
    );
  });

  it('never repeats over 100,000 names of the same task', () => {
    const names = new NameGenerator(undefined, new Set());
    const seen = new Set<string>();
    for (let i = 0; i < 100_000; i++) seen.add(names.next('same task'));
    expect(seen.size).toBe(100_000);
    expect(names.issuedCount).toBe(100_000);
  });

  it('forgets the suffix of a released name, and only that one: the set does not grow with ended tasks', () => {
    const source = scriptedSuffixes(['aaaaaaaaaaaa', 'bbbbbbbbbbbb', 'aaaaaaaaaaaa']);
    const names = new NameGenerator(source, new Set());
    const first = names.next('t');
    names.next('t');
    names.release(first);
    names.release('not-a-generated-name');
    expect(names.issuedCount).toBe(1);
    // Released, its suffix may be drawn again; the one still in use may not.
    expect(names.next('t')).toBe('t-aaaaaaaaaaaa');
  });

  it('redraws a suffix that was already issued (forced collision)', () => {
    const source = scriptedSuffixes(['aaaaaaaaaaaa', 'aaaaaaaaaaaa', 'aaaaaaaaaaaa', 'bbbbbbbbbbbb']);
    const names = new NameGenerator(source, new Set());
    expect(names.next('t')).toBe('t-aaaaaaaaaaaa');
    // The source repeats itself twice; the generator must throw those away and take the third draw.
    expect(names.next('t')).toBe('t-bbbbbbbbbbbb');
    expect(source.calls()).toBe(4);
    expect(names.issuedCount).toBe(2);
  });

  it('makes names unique by suffix alone, whatever the task names', () => {
    const source = scriptedSuffixes(['cccccccccccc', 'cccccccccccc', 'dddddddddddd']);
    const names = new NameGenerator(source, new Set());
    expect(names.next('first')).toBe('first-cccccccccccc');
    expect(names.next('second')).toBe('second-dddddddddddd');
  });

  it('fails loudly on a source that only ever repeats itself', () => {
    const names = new NameGenerator(scriptedSuffixes(Array(200).fill('eeeeeeeeeeee')), new Set());
    names.next('t');
    expect(() => names.next('t')).toThrow(/not random/);
  });

  it('shares the process-wide set between generators built with the default', () => {
    const a = new NameGenerator();
    const b = new NameGenerator();
    const before = a.issuedCount;
    b.next('x');
    expect(a.issuedCount).toBe(before + 1);
  });

  it('can be resolved by tsyringe without decorators', () => {
    const names = container.resolve(NameGenerator);
    expect(names).toBeInstanceOf(NameGenerator);
    expect(names.next('di')).toMatch(/^di-[0-9a-z]{12}$/);
  });
});

describe('NameGenerator.attempt', () => {
  const names = new NameGenerator();

  it('appends -a<n>', () => {
    expect(names.attempt('align-k3x9q0v2m7ab', 1)).toBe('align-k3x9q0v2m7ab-a1');
    expect(names.attempt('align-k3x9q0v2m7ab', 0)).toBe('align-k3x9q0v2m7ab-a0');
    expect(names.attempt('align-k3x9q0v2m7ab', MAX_ATTEMPT)).toBe('align-k3x9q0v2m7ab-a999999');
  });

  it('shortens the readable prefix, never the suffix, to stay within 63 characters', () => {
    const base = names.next('y'.repeat(80));
    expect(base).toHaveLength(63);
    const suffix = base.slice(-12);
    const second = names.attempt(base, 2);
    expect(second).toBe(`${'y'.repeat(47)}-${suffix}-a2`);
    expect(second).toHaveLength(63);
    const big = names.attempt(base, 123_456);
    expect(big).toBe(`${'y'.repeat(42)}-${suffix}-a123456`);
    expectValidEverywhere(big);
  });

  it('does not leave a dash where the prefix was cut', () => {
    // 47 characters of prefix would end just after 'a…a-'; the dash is trimmed.
    const base = `${'a'.repeat(46)}-bbb-abcdefabcdef`;
    expect(base).toHaveLength(63);
    expect(names.attempt(base, 2)).toBe(`${'a'.repeat(46)}-abcdefabcdef-a2`);
  });

  it('gives different names for different attempts and bases, distinct from base names', () => {
    const bases = Array.from({ length: 100 }, () => names.next('z'.repeat(60)));
    const all = new Set<string>(bases);
    for (const base of bases) for (let n = 0; n < 20; n++) all.add(names.attempt(base, n));
    expect(all.size).toBe(100 + 100 * 20);
  });

  it.each([
    ['', 1],
    ['no-suffix', 1],
    ['UPPER-abcdefabcdef', 1],
    ['-abcdefabcdef', 1],
    ['a--b-abcdefabcdef', 1],
    [`${'a'.repeat(51)}-abcdefabcdef`, 1],
    ['ok-abcdefabcdef', -1],
    ['ok-abcdefabcdef', 1.5],
    ['ok-abcdefabcdef', MAX_ATTEMPT + 1],
    ['ok-abcdefabcdef', Number.NaN],
  ])('rejects base %j with attempt %d as value.invalid', (base, n) => {
    let thrown: unknown;
    try {
      names.attempt(base, n);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(CapstanError);
    expect((thrown as CapstanError).code).toBe(ErrorCode.InvalidValue);
  });
});

describe('NameGenerator.runId', () => {
  it('is 12 characters of [0-9a-z] and never repeats', () => {
    const names = new NameGenerator(undefined, new Set());
    const ids = new Set<string>();
    const malformed: string[] = [];
    for (let i = 0; i < 10_000; i++) {
      const id = names.runId();
      if (id.length !== RUN_ID_LENGTH || !/^[0-9a-z]+$/.test(id)) malformed.push(id);
      ids.add(id);
    }
    expect(malformed).toEqual([]);
    expect(ids.size).toBe(10_000);
  });

  it('is redrawn when it equals a suffix already issued', () => {
    const names = new NameGenerator(scriptedSuffixes(['ffffffffffff', 'ffffffffffff', 'gggggggggggg']), new Set());
    expect(names.next('t')).toBe('t-ffffffffffff');
    expect(names.runId()).toBe('gggggggggggg');
  });
});
