import fc from 'fast-check';
import { CapstanError } from '../errors/capstan-error';
import { GIB } from '../units/size';
import { DEFAULT_INPUT_ROOT, GUEST_COMMAND_FILE, GUEST_WORK_DIR, parseTask, type Task, TASK_KEYS, type TaskInput } from './task';

function capstanErrorOf(run: () => unknown): CapstanError {
  try {
    run();
  } catch (error) {
    if (error instanceof CapstanError) return error;
    throw error;
  }
  throw new Error('expected a CapstanError, but nothing was thrown');
}

const minimal = { name: 'align', command: 'echo hi' };
const withInputs = (inputs: unknown): Task => parseTask({ ...minimal, inputs });

describe('parseTask', () => {
  it('knows its top-level keys and guest paths', () => {
    expect(TASK_KEYS).toEqual(['name', 'command', 'requirements', 'hints', 'inputs', 'outputs', 'env']);
    expect(DEFAULT_INPUT_ROOT).toBe('/mnt/task/inputs');
    expect(GUEST_WORK_DIR).toBe('/mnt/task/work');
    expect(GUEST_COMMAND_FILE).toBe('/mnt/task/command');
  });

  it('fills every default for a minimal task', () => {
    expect(parseTask(minimal)).toEqual({
      name: 'align',
      command: 'echo hi',
      requirements: {
        container: [{ kind: 'any', reference: '*', uri: '*' }],
        cpu: 1,
        memory: 2 * GIB,
        gpu: false,
        fpga: false,
        disks: [{ mountPoint: '/', bytes: GIB }],
        maxRetries: 0,
        returnCodes: [0],
      },
      hints: { shortTask: false, preemptible: 0, localizationOptional: false, other: {} },
      inputs: [],
      outputs: [],
      env: {},
    });
  });

  it('reads a full task', () => {
    const task = parseTask({
      name: '  Align reads  ',
      command: 'bwa mem ref.fa reads.fq > out.sam\n',
      requirements: { container: 'biocontainers/bwa:0.7.17', cpu: 4, memory: '8 GiB', disks: '/mnt/scratch 50 GiB' },
      hints: { max_memory: '12 GiB', zones: 'eu' },
      inputs: [{ source: '/data/reads.fq' }, { source: 'https://example.org/ref/ref.fa', path: '/ref/ref.fa' }],
      outputs: ['out.sam', 'logs/*.log'],
      env: { THREADS: 4, DEBUG: false, SAMPLE: 'S1' },
    });
    expect(task.name).toBe('Align reads');
    expect(task.command).toBe('bwa mem ref.fa reads.fq > out.sam\n');
    expect(task.requirements).toMatchObject({ cpu: 4, memory: 8 * GIB, disks: [{ mountPoint: '/mnt/scratch', bytes: 50 * GIB }] });
    expect(task.requirements.container).toEqual([{ kind: 'docker', reference: 'biocontainers/bwa:0.7.17', uri: 'biocontainers/bwa:0.7.17' }]);
    expect(task.hints).toMatchObject({ maxMemory: 12 * GIB, other: { zones: 'eu' } });
    expect(task.inputs).toEqual([
      { source: '/data/reads.fq', path: '/mnt/task/inputs/reads.fq', type: 'file' },
      { source: 'https://example.org/ref/ref.fa', path: '/ref/ref.fa', type: 'file' },
    ]);
    expect(task.outputs.map((output) => output.pattern)).toEqual(['out.sam', 'logs/*.log']);
    expect(task.env).toEqual({ THREADS: '4', DEBUG: 'false', SAMPLE: 'S1' });
  });

  it('binds an input read-write only when it says writable: true', () => {
    const task = withInputs([
      { source: '/shared/scratch', path: '/scratch', type: 'directory', writable: true },
      { source: '/data/ref.fa', writable: false },
    ]);
    expect(task.inputs).toEqual([
      { source: '/shared/scratch', path: '/scratch', type: 'directory', writable: true },
      { source: '/data/ref.fa', path: '/mnt/task/inputs/ref.fa', type: 'file' },
    ]);
    expect(() => withInputs([{ source: '/data/ref.fa', writable: 'yes' }])).toThrow(expect.objectContaining({ path: 'inputs.0.writable', message: '"yes" is not true or false' }));
  });

  describe('the document, name and command', () => {
    it.each<[string, unknown]>([
      ['null', null],
      ['undefined', undefined],
      ['a list', [minimal]],
      ['a string', 'name: align'],
      ['a number', 3],
    ])('rejects %s as a document', (_label, document) => {
      const error = capstanErrorOf(() => parseTask(document));
      expect(error.code).toBe('value.invalid');
      expect(error.path).toBeNull();
      expect(error.message).toMatch(/at least "name" and "command"/);
    });

    it.each<[string, Record<string, unknown>, string, RegExp]>([
      ['a missing name', { command: 'x' }, 'name', /^a value is required here \(a string\)$/],
      ['a missing command', { name: 'x' }, 'command', /^a value is required here \(a string\)$/],
      ['an empty name', { name: '', command: 'x' }, 'name', /below the minimum of 1 characters/],
      ['a blank name', { name: '   ', command: 'x' }, 'name', /below the minimum of 1 characters/],
      ['a name too long', { name: 'n'.repeat(256), command: 'x' }, 'name', /above the maximum of 255/],
      ['a numeric name', { name: 7, command: 'x' }, 'name', /^7 is not a string$/],
      ['an empty command', { name: 'x', command: '' }, 'command', /the command is empty/],
      ['a blank command', { name: 'x', command: '  \n\t ' }, 'command', /the command is empty/],
      ['a list command', { name: 'x', command: ['echo', 'hi'] }, 'command', /^a list is not a string$/],
    ])('rejects %s', (_label, document, path, message) => {
      const error = capstanErrorOf(() => parseTask(document));
      expect(error.code).toBe('value.invalid');
      expect(error.path).toBe(path);
      expect(error.message).toMatch(message);
    });

    it('accepts a name of 255 characters', () => {
      expect(parseTask({ name: 'n'.repeat(255), command: 'x' }).name).toHaveLength(255);
    });

    it.each<[string, string | undefined]>([
      ['comand', 'command'],
      ['Command', 'command'],
      ['input', 'inputs'],
      ['output', 'outputs'],
      ['requirement', 'requirements'],
      ['runtime', undefined],
      ['environment', undefined],
    ])('rejects the unknown top-level key %j, suggesting %j', (key, suggestion) => {
      const error = capstanErrorOf(() => parseTask({ ...minimal, [key]: 'x' }));
      expect(error.code).toBe('value.unknown_key');
      expect(error.path).toBe(key);
      expect(error.message).toContain(suggestion === undefined ? 'put custom attributes under hints' : `did you mean "${suggestion}"?`);
    });

    it('reports errors in requirements and hints under their section', () => {
      expect(capstanErrorOf(() => parseTask({ ...minimal, requirements: { memroy: '1 GiB' } })).path).toBe('requirements.memroy');
      expect(capstanErrorOf(() => parseTask({ ...minimal, requirements: { disks: ['1', 'x 2'] } })).path).toBe('requirements.disks.1');
      expect(capstanErrorOf(() => parseTask({ ...minimal, hints: { gpu: true } })).path).toBe('hints.gpu');
    });
  });

  describe('inputs', () => {
    it.each<[string, unknown, TaskInput]>([
      ['a file under the default root', { source: 'data/reads.fq' }, { source: 'data/reads.fq', path: '/mnt/task/inputs/reads.fq', type: 'file' }],
      ['a source with spaces around', { source: '  /data/a.txt ' }, { source: '/data/a.txt', path: '/mnt/task/inputs/a.txt', type: 'file' }],
      ['a URL with a query', { source: 'https://x.org/a/b.fa?sig=1#top' }, { source: 'https://x.org/a/b.fa?sig=1#top', path: '/mnt/task/inputs/b.fa', type: 'file' }],
      ['a directory URL', { source: 's3://bucket/dir/', type: 'directory' }, { source: 's3://bucket/dir/', path: '/mnt/task/inputs/dir', type: 'directory' }],
      ['a source without a name', { source: '.' }, { source: '.', path: '/mnt/task/inputs/input', type: 'file' }],
      ['a parent source', { source: '..', type: 'directory' }, { source: '..', path: '/mnt/task/inputs/input', type: 'directory' }],
      ['an explicit guest path', { source: '/data/ref', path: '/ref', type: 'directory' }, { source: '/data/ref', path: '/ref', type: 'directory' }],
      ['a guest path that is normalised', { source: 'a', path: '/data//x/../y/' }, { source: 'a', path: '/data/y', type: 'file' }],
      ['the root as a guest path', { source: 'a', path: '/' }, { source: 'a', path: '/', type: 'file' }],
      ['a guest path next to the work dir', { source: 'a', path: '/mnt/task/workspace' }, { source: 'a', path: '/mnt/task/workspace', type: 'file' }],
    ])('reads %s', (_label, input, expected) => {
      expect(withInputs([input]).inputs).toEqual([expected]);
    });

    it('gives inputs with different names their own default paths', () => {
      expect(withInputs([{ source: '/a/x.txt' }, { source: '/a/y.txt' }]).inputs.map((input) => input.path)).toEqual([
        '/mnt/task/inputs/x.txt',
        '/mnt/task/inputs/y.txt',
      ]);
    });

    it.each<[string, unknown, string, RegExp]>([
      ['inputs that are not a list', { source: 'a' }, 'inputs', /is not a list/],
      ['an input that is a string', ['a.txt'], 'inputs.0', /^"a.txt" is not a mapping$/],
      ['a missing source', [{ path: '/x' }], 'inputs.0.source', /a value is required here/],
      ['an empty source', [{ source: ' ' }], 'inputs.0.source', /below the minimum of 1 characters/],
      ['an unknown type', [{ source: 'a', type: 'link' }], 'inputs.0.type', /^"link" is not one of "file", "directory"$/],
      ['an unknown key', [{ source: 'a', sorce: 'b' }], 'inputs.0', /unknown key "sorce"/],
      ['a relative guest path', [{ source: 'a', path: 'ref.fa' }], 'inputs.0.path', /guest path "ref.fa" is relative; give an absolute path such as "\/mnt\/task\/inputs\/ref.fa"/],
      ['a dot-relative guest path', [{ source: 'a', path: './x' }], 'inputs.0.path', /is relative/],
      ['the work dir', [{ source: 'a', path: '/mnt/task/work' }], 'inputs.0.path', /inside Capstan's own work dir \/mnt\/task\/work/],
      ['inside the work dir', [{ source: 'a', path: '/mnt/task/work/a.txt' }], 'inputs.0.path', /inside Capstan's own work dir/],
      ['the work dir with a trailing slash', [{ source: 'a', path: '/mnt/task/work/' }], 'inputs.0.path', /inside Capstan's own work dir/],
      ['the work dir reached with ..', [{ source: 'a', path: '/mnt/task/inputs/../work/a' }], 'inputs.0.path', /inside Capstan's own work dir/],
      ['the command file', [{ source: 'a', path: '/mnt/task/command' }], 'inputs.0.path', /inside Capstan's own command file/],
      [
        'the same guest path twice',
        [{ source: '/a', path: '/in/x' }, { source: '/b', path: '/in/x' }],
        'inputs.1.path',
        /guest path "\/in\/x" is already used by inputs.0; give this input its own "path"/,
      ],
      [
        'the same default path twice',
        [{ source: '/a/reads.fq' }, { source: '/b/c.fq' }, { source: '/b/reads.fq' }],
        'inputs.2.path',
        /"\/mnt\/task\/inputs\/reads.fq" is already used by inputs.0/,
      ],
      [
        'the same path with a trailing slash',
        [{ source: '/a', path: '/in/x' }, { source: '/b', path: '/in/x/' }],
        'inputs.1.path',
        /guest path "\/in\/x" is already used by inputs.0/,
      ],
      [
        'the same path after normalising',
        [{ source: '/a', path: '/in/x' }, { source: '/b', path: '/in/./y/../x' }],
        'inputs.1.path',
        /already used by inputs.0/,
      ],
    ])('rejects %s', (_label, inputs, path, message) => {
      const error = capstanErrorOf(() => withInputs(inputs));
      expect(error.code).toBe('value.invalid');
      expect(error.path).toBe(path);
      expect(error.message).toMatch(message);
    });
  });

  describe('env', () => {
    it('reads string, number and bool values as strings', () => {
      expect(parseTask({ ...minimal, env: { A: 'x', B: 1, C: true, D: false, _E: '', f2: 1.5, G: -3 } }).env).toEqual({
        A: 'x',
        B: '1',
        C: 'true',
        D: 'false',
        _E: '',
        f2: '1.5',
        G: '-3',
      });
    });

    it.each<[string, unknown, string, RegExp]>([
      ['a name starting with a digit', { '1A': 'x' }, 'env.1A', /"1A" is not a valid key: an environment variable name is letters, digits and _, not starting with a digit/],
      ['a name with a dash', { 'A-B': 'x' }, 'env.A-B', /letters, digits and _/],
      ['a name with a space', { 'A B': 'x' }, 'env.A B', /letters, digits and _/],
      ['a name with =', { 'A=B': 'x' }, 'env.A=B', /letters, digits and _/],
      ['a null value', { A: null }, 'env.A', /^null is not an environment value/],
      ['a list value', { A: ['x'] }, 'env.A', /^a list is not an environment value/],
      ['a mapping value', { A: { b: 1 } }, 'env.A', /is not an environment value; give a string, number or boolean/],
      ['a list instead of a mapping', ['A=1'], 'env', /is not a mapping/],
    ])('rejects %s', (_label, env, path, message) => {
      const error = capstanErrorOf(() => parseTask({ ...minimal, env }));
      expect(error.code).toBe('value.invalid');
      expect(error.path).toBe(path);
      expect(error.message).toMatch(message);
    });
  });

  it('throws nothing but CapstanErrors for any document', () => {
    const key = fc.constantFrom(...TASK_KEYS, 'comand');
    const document = fc.oneof(
      fc.anything({ withBigInt: true, withSparseArray: true }),
      fc.dictionary(key, fc.anything({ withBigInt: true, withSparseArray: true }), { maxKeys: 7 }),
      fc.record({
        name: fc.string(),
        command: fc.string(),
        inputs: fc.array(fc.record({ source: fc.string(), path: fc.string(), type: fc.constantFrom('file', 'directory', 'x') }, { requiredKeys: ['source'] }), { maxLength: 3 }),
        outputs: fc.array(fc.string(), { maxLength: 3 }),
        env: fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.double(), fc.boolean())),
      }),
    );
    fc.assert(
      fc.property(document, (value) => {
        try {
          const task = parseTask(value);
          expect(task.command.trim()).not.toBe('');
          for (const input of task.inputs) expect(input.path.startsWith('/')).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(CapstanError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
