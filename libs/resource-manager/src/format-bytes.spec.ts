import { formatBytes } from './format-bytes';

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [512, '512 B'],
    [1024, '1 KiB'],
    [1536, '1.5 KiB'],
    [64 * 1024 ** 3, '64 GiB'],
    [1.25 * 1024 ** 3, '1.25 GiB'],
    [1000 * 1024 ** 2, '1000 MiB'],
    [3 * 1024 ** 4, '3 TiB'],
  ])('formats %d bytes as %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });

  it('rounds to at most two decimals', () => {
    expect(formatBytes(1024 ** 3 + 1)).toBe('1 GiB');
    expect(formatBytes(1.333333 * 1024 ** 2)).toBe('1.33 MiB');
  });
});
