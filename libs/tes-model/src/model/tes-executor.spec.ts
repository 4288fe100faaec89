import { tesExecutorSchema } from './tes-executor';

describe('tesExecutor', () => {
  it('reads the spec\'s example fields', () => {
    const executor = {
      image: 'ubuntu:20.04',
      command: ['/bin/md5', '/data/file1'],
      workdir: '/data/',
      stdin: '/data/file1',
      stdout: '/tmp/stdout.log',
      stderr: '/tmp/stderr.log',
      env: { BLASTDB: '/data/GRC38', HMMERDB: '/data/hmmer' },
      ignore_error: true,
    };
    expect(tesExecutorSchema.parse(executor)).toEqual(executor);
  });

  it('needs only image and command, and reads null as not given', () => {
    expect(tesExecutorSchema.parse({ image: 'a', command: [], workdir: null, env: null })).toEqual({ image: 'a', command: [] });
  });

  it.each([{ command: ['a'] }, { image: 'a' }, { image: 'a', command: 'ls' }, { image: 'a', command: [1] }, { image: 'a', command: [], env: { A: 1 } }, { image: 'a', command: [], ignore_error: 'yes' }])(
    'refuses %j',
    (value) => {
      expect(tesExecutorSchema.safeParse(value).success).toBe(false);
    },
  );
});
