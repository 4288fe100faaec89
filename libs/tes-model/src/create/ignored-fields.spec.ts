import { ignoredFields } from './ignored-fields';

describe('ignoredFields', () => {
  it('finds unknown fields at every level it validates', () => {
    expect(
      ignoredFields({
        executors: [{ image: 'a', command: ['b'], ports: [] }, 'not an object'],
        inputs: [{ path: '/a', url: 'b', checksum: 'c' }],
        outputs: [{ path: '/a', url: 'b', size: 1 }],
        resources: { cpu_cores: 1, gpu: 1 },
        logs: [],
        creation_time: 'x',
        extra: true,
      }),
    ).toEqual([
      'ignored the read-only field "logs": the server sets it',
      'ignored the read-only field "creation_time": the server sets it',
      'ignored the field "extra": TES v1.1 does not define it',
      'ignored the field "inputs.0.checksum": TES v1.1 does not define it',
      'ignored the field "outputs.0.size": TES v1.1 does not define it',
      'ignored the field "executors.0.ports": TES v1.1 does not define it',
      'ignored the field "resources.gpu": TES v1.1 does not define it',
    ]);
  });

  it.each([null, [], 'x', { executors: 'x', resources: [] }])('has nothing to say about %j', (body) => {
    expect(ignoredFields(body)).toEqual([]);
  });
});
