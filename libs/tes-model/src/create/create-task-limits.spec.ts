import { ErrorCode } from '@capstan/core-constraints';
import { captureCapstanError } from '../testing/capture-capstan-error';
import { TES_CREATE_LIMITS as L } from './create-task-limits';
import { validateCreateTask } from './validate-create-task';

const executor = { image: 'ubuntu:20.04', command: ['echo', 'hello'] };
const times = <T>(count: number, item: (index: number) => T): T[] => Array.from({ length: count }, (_, index) => item(index));
const refusal = (body: unknown) => captureCapstanError(() => validateCreateTask(body), 'validateCreateTask');

describe('TES_CREATE_LIMITS', () => {
  it.each<[string, (over: number) => Record<string, unknown>, number, string, RegExp]>([
    ['executors', (n) => ({ executors: times(n, () => executor) }), L.executors, 'executors', /has 65 executors, more than the limit of 64; split the work/],
    ['inputs', (n) => ({ executors: [executor], inputs: times(n, (i) => ({ content: 'x', path: `/in/${i}` })) }), L.inputs, 'inputs', /more than the limit of 1000/],
    ['outputs', (n) => ({ executors: [executor], outputs: times(n, (i) => ({ url: 's3://b/o', path: `/out/${i}` })) }), L.outputs, 'outputs', /limit of 1000/],
    ['volumes', (n) => ({ executors: [executor], volumes: times(n, (i) => `/v/${i}`) }), L.volumes, 'volumes', /limit of 100/],
    ['tags', (n) => ({ executors: [executor], tags: Object.fromEntries(times(n, (i) => [`t${i}`, 'v'])) }), L.tags, 'tags', /limit of 100/],
    ['env entries', (n) => ({ executors: [{ ...executor, env: Object.fromEntries(times(n, (i) => [`V${i}`, 'v'])) }] }), L.envEntries, 'executors.0.env', /limit of 1000/],
    ['argv elements', (n) => ({ executors: [{ ...executor, command: times(n, () => 'a') }] }), L.argvElements, 'executors.0.command', /limit of 4096; pass long lists in an input file/],
    ['an argv element', (n) => ({ executors: [{ ...executor, command: ['echo', 'a'.repeat(n)] }] }), L.argChars, 'executors.0.command.1', /\(131073 characters\), longer than the limit of 131072/],
    ['inline content', (n) => ({ executors: [executor], inputs: [{ content: 'é'.repeat(Math.ceil(n / 2)), path: '/in/x' }] }), L.contentBytes, 'inputs.0.content', /bytes, more than the limit of 1048576 bytes of inline content; give a url/],
    ['a path', (n) => ({ executors: [executor], volumes: [`/${'a'.repeat(n - 1)}`] }), L.pathChars, 'volumes.0', /longer than the limit of 4096/],
    ['a url', (n) => ({ executors: [executor], inputs: [{ url: `http://a/${'b'.repeat(n - 9)}`, path: '/in/x' }] }), L.urlChars, 'inputs.0.url', /limit of 8192/],
    ['an image', (n) => ({ executors: [{ ...executor, image: 'a'.repeat(n) }] }), L.imageChars, 'executors.0.image', /limit of 512/],
    ['a name', (n) => ({ executors: [executor], name: 'n'.repeat(n) }), L.nameChars, 'name', /limit of 1024/],
    ['an env value', (n) => ({ executors: [{ ...executor, env: { BIG: 'v'.repeat(n) } }] }), L.argChars, 'executors.0.env.BIG', /limit of 131072/],
  ])('refuses one more than the limit of %s, and accepts the limit itself', (_label, body, limit, path, message) => {
    expect(() => validateCreateTask(body(limit))).not.toThrow();
    const error = refusal(body(limit + 1));
    expect(error.code).toBe(ErrorCode.TesInvalidTask);
    expect(error.path).toBe(path);
    expect(error.message).toMatch(message);
    expect(error.message.length).toBeLessThan(600); // the value is shortened, never echoed whole
    expect(error.details).toMatchObject({ limit });
  });
});
