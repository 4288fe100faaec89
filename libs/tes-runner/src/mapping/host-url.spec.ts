import { hostPathToUrl } from './host-url';

describe('hostPathToUrl', () => {
  it('gives a path its own file:// URL, percent-encoded', () => {
    expect(hostPathToUrl('/data/a b#1.txt')).toBe('file:///data/a%20b%231.txt');
    expect(hostPathToUrl('/data//x/../y')).toBe('file:///data/y');
  });

  it('replaces the longest mapped folder holding the path by its URL', () => {
    const mappings = [
      { path: '/work', url: 'file:///mnt/nfs/work' },
      { path: '/work/big', url: 's3://bucket/big/' },
    ];
    expect(hostPathToUrl('/work/runs/a b', mappings)).toBe('file:///mnt/nfs/work/runs/a%20b');
    expect(hostPathToUrl('/work/big/x.bam', mappings)).toBe('s3://bucket/big/x.bam');
    expect(hostPathToUrl('/work', mappings)).toBe('file:///mnt/nfs/work');
  });

  it('matches whole folder names only', () => {
    expect(hostPathToUrl('/work2/x', [{ path: '/work', url: 'file:///elsewhere' }])).toBe('file:///work2/x');
  });
});
