import { tesInputSchema } from './tes-input';

describe('tesInput', () => {
  it.each([
    [{ url: 's3://my-object-store/file1', path: '/data/file1' }, { url: 's3://my-object-store/file1', path: '/data/file1', type: 'FILE' }],
    [{ path: '/data/c', content: 'x', type: 'FILE', name: 'n', description: 'd', streamable: true }, { path: '/data/c', content: 'x', type: 'FILE', name: 'n', description: 'd', streamable: true }],
    [{ url: 'gs://b/d', path: '/d', type: 'DIRECTORY' }, { url: 'gs://b/d', path: '/d', type: 'DIRECTORY' }],
    [{ url: 'gs://b/d', path: '/d', type: null }, { url: 'gs://b/d', path: '/d', type: 'FILE' }],
  ])('reads %j, filling the default type', (value, parsed) => {
    expect(tesInputSchema.parse(value)).toEqual(parsed);
  });

  it.each([{ url: 's3://b/x' }, { path: 1 }, { path: '/a', type: 'file' }, { path: '/a', streamable: 'no' }])('refuses %j', (value) => {
    expect(tesInputSchema.safeParse(value).success).toBe(false);
  });
});
