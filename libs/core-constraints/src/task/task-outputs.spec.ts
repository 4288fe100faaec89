import { CapstanError } from '../errors/capstan-error';
import { parseTask } from './task';
import { runFolderName, runIdOfFolder } from './run-folder';

const minimal = { name: 'align', command: 'echo hi' };
const outputsOf = (outputs: unknown) => parseTask({ ...minimal, outputs }).outputs;

function errorOf(outputs: unknown): CapstanError {
  try {
    outputsOf(outputs);
  } catch (error) {
    if (error instanceof CapstanError) return error;
    throw error;
  }
  throw new Error('expected a CapstanError');
}

describe('outputs', () => {
  it('reads the list form: relative globs, trimmed, each named by its pattern', () => {
    expect(outputsOf(['*.bam', 'results/**/*.txt', ' out.txt ', '..hidden', 'a/..b']).map((output) => [output.name, output.pattern, output.optional])).toEqual([
      ['*.bam', '*.bam', false],
      ['results/**/*.txt', 'results/**/*.txt', false],
      ['out.txt', 'out.txt', false],
      ['..hidden', '..hidden', false],
      ['a/..b', 'a/..b', false],
    ]);
    expect(outputsOf(undefined)).toEqual([]);
  });

  it('reads the named form, a trailing "?" as optional, and the object form literally', () => {
    expect(outputsOf({ bam: '*.bam', log: 'run.log?', 'stats.v2': { pattern: 'stats?', optional: false }, extra: { pattern: 'x/*' , optional: true } })).toEqual([
      { name: 'bam', pattern: '*.bam', optional: false },
      { name: 'log', pattern: 'run.log', optional: true },
      { name: 'stats.v2', pattern: 'stats?', optional: false },
      { name: 'extra', pattern: 'x/*', optional: true },
    ]);
    expect(outputsOf(['run.log ?', { name: 'bam', pattern: '*.bam' }])).toEqual([
      { name: 'run.log', pattern: 'run.log', optional: true },
      { name: 'bam', pattern: '*.bam', optional: false },
    ]);
  });

  it.each<[string, unknown, string, RegExp]>([
    ['an absolute pattern', ['ok.txt', '/abs/out.txt'], 'outputs.1', /output pattern "\/abs\/out.txt" is absolute; .*e\.g\. "abs\/out.txt"/],
    ['a parent pattern', ['../x'], 'outputs.0', /leaves the work dir with "\.\."/],
    ['a pattern climbing out', ['a/../../x'], 'outputs.0', /leaves the work dir/],
    ['a pattern ending in ..', ['a/..'], 'outputs.0', /leaves the work dir/],
    ['just ..', ['..'], 'outputs.0', /leaves the work dir/],
    ['a named pattern climbing out', { bam: '../x.bam' }, 'outputs.bam', /leaves the work dir/],
    ['an object pattern that is absolute', { bam: { pattern: '/x.bam' } }, 'outputs.bam.pattern', /is absolute/],
    ['an empty pattern', [''], 'outputs.0', /below the minimum of 1 characters/],
    ['only a "?"', ['?'], 'outputs.0', /has no pattern before its "\?"/],
    ['a number', [1], 'outputs', /a list of globs, or a mapping/],
    ['a string instead of a list', '*.bam', 'outputs', /a list of globs, or a mapping/],
    ['an unknown key in the object form', { bam: { pattern: '*.bam', optinal: true } }, 'outputs.bam', /unknown key "optinal"/],
    ['a name with a slash', { 'a/b': '*.bam' }, 'outputs.a/b', /is not a name; use letters/],
    ['a name starting with a dot', [{ name: '.hidden', pattern: 'x' }], 'outputs.0.name', /is not a name/],
    ['a name used twice', ['x', { name: 'x', pattern: 'y' }], 'outputs.1', /output name "x" is already used by outputs.0/],
    ['a pattern listed twice', ['x', 'x?'], 'outputs.1', /already used/],
  ])('rejects %s, naming the field', (_label, outputs, path, message) => {
    const error = errorOf(outputs);
    expect(error.code).toBe('value.invalid');
    expect(error.path).toBe(path);
    expect(error.message).toMatch(message);
  });
});

describe('run folder names', () => {
  it('start with the start time in UTC, sortable, then the run id', () => {
    expect(runFolderName('abcdefghij12', new Date('2026-12-06T20:30:00.789Z'))).toBe('20261206T203000Z-abcdefghij12');
    const names = [new Date('2026-12-06T20:30:00Z'), new Date('2026-01-07T01:02:03Z')].map((time) => runFolderName('abcdefghij12', time));
    expect([...names].sort()).toEqual([names[1], names[0]]);
  });

  it('are read back in the new and the earlier naming, and nothing else is', () => {
    expect(runIdOfFolder('20261206T203000Z-abcdefghij12')).toBe('abcdefghij12');
    expect(runIdOfFolder('abcdefghij12')).toBe('abcdefghij12');
    for (const other of ['latest', 'outputs', '20261206T203000Z-abc', 'x-abcdefghij12', '20261206T203000Z-ABCDEFGHIJ12', '../abcdefghij12']) {
      expect(runIdOfFolder(other)).toBeUndefined();
    }
    expect(() => runFolderName('../x', new Date())).toThrow(RangeError);
  });
});
