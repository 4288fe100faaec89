import { tesOutputSchema } from './tes-output';

describe('tesOutput', () => {
  it.each([
    [{ path: '/data/outfile', url: 's3://my-object-store/outfile-1', type: 'FILE' }, { path: '/data/outfile', url: 's3://my-object-store/outfile-1', type: 'FILE' }],
    [{ path: '/data/*.txt', path_prefix: '/data/', url: 's3://b/' }, { path: '/data/*.txt', path_prefix: '/data/', url: 's3://b/', type: 'FILE' }],
  ])('reads %j', (value, parsed) => {
    expect(tesOutputSchema.parse(value)).toEqual(parsed);
  });

  it.each([{ path: '/a' }, { url: 's3://b' }, { path: '/a', url: 's3://b', type: 'LINK' }])('refuses %j (path and url are required)', (value) => {
    expect(tesOutputSchema.safeParse(value).success).toBe(false);
  });
});
