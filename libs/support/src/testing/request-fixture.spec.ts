import { attemptPaths, testConstraints, testRequest } from './request-fixture';

describe('testRequest', () => {
  it('builds a whole request: the attempt under /w/a/1, one docker image, no inputs, env or labels', () => {
    expect(testRequest()).toEqual({
      runId: 'r',
      taskName: 't',
      attemptName: 't-1',
      attempt: 1,
      shell: 'sh',
      paths: { root: '/w/a/1', commandFile: '/w/a/1/command', workDir: '/w/a/1/work', stdoutFile: '/w/a/1/stdout', stderrFile: '/w/a/1/stderr' },
      inputs: [],
      env: {},
      labels: {},
      constraints: testConstraints(),
    });
  });

  it('replaces single constraints and keeps the rest, and replaces any other field whole', () => {
    const request = testRequest({ shell: 'bash', env: { A: '1' }, paths: attemptPaths('/elsewhere'), constraints: { memory: 64, gpu: 1 } });
    expect(request.constraints).toEqual({ ...testConstraints(), memory: 64, gpu: 1 });
    expect(request).toMatchObject({ shell: 'bash', env: { A: '1' }, paths: { root: '/elsewhere', workDir: '/elsewhere/work' } });
  });

  it('fault: a test that changes its request changes no other test\'s (each call builds new objects)', () => {
    const first = testRequest();
    (first.constraints.disks as Record<string, number>)['/scratch'] = 1;
    (first.constraints.containers as unknown[]).length = 0;
    expect(testRequest().constraints.disks).toEqual({ '/': 1e9 });
    expect(testRequest().constraints.containers).toHaveLength(1);
  });

  it('hostile: a path with .. in the root is normalised the way the engine joins it, not kept as text', () => {
    expect(attemptPaths('/w/a/1/../../x').commandFile).toBe('/w/x/command');
  });
});
