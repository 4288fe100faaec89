import { ObjectStoreFailure } from '@capstan/core-constraints';
import { folderPrefix, objectKey, parseBucketKey } from './s3-address';

function refusal(text: string, buckets: string[] = []): ObjectStoreFailure {
  try {
    parseBucketKey(new URL(text), buckets);
  } catch (error) {
    if (error instanceof ObjectStoreFailure) return error;
    throw error;
  }
  throw new Error(`${text} was accepted`);
}

describe('parseBucketKey', () => {
  it('reads the bucket and the unescaped key', () => {
    expect(parseBucketKey(new URL('s3://my-data.lab/runs/a%20b/c.txt'), [])).toEqual({ bucket: 'my-data.lab', key: 'runs/a b/c.txt' });
    expect(parseBucketKey(new URL('gs://bucket'), [])).toEqual({ bucket: 'bucket', key: '' });
  });

  it.each([
    ['credentials', 's3://AKIA:secret@bucket/key', 'credentials'],
    ['an IP address as bucket', 's3://10.0.0.1/key', 'bucket name'],
    ['a bucket with two dots in a row', 's3://a..b/key', 'bucket name'],
    ['a fragment', 's3://bucket/key#x', 'fragment'],
    ['a broken escape', 's3://bucket/%zz', 'escape'],
    ['a NUL in the key', 's3://bucket/a%00b', 'NUL'],
  ])('refuses %s', (_name, text, words) => {
    const failure = refusal(text);
    expect(failure.kind).toBe('refused');
    expect(failure.message).toContain(words);
    expect(failure.message).not.toContain('secret');
  });

  it('refuses a bucket outside the list, naming the list', () => {
    expect(refusal('s3://other/key', ['data', 'refs']).message).toContain('data, refs');
  });
});

describe('keys', () => {
  it('takes an address as a folder with one trailing slash', () => {
    expect([folderPrefix(''), folderPrefix('a'), folderPrefix('a/')]).toEqual(['', 'a/', 'a/']);
  });

  it('refuses a folder where an object is needed', () => {
    expect(() => objectKey({ bucket: 'b', key: 'dir/' }, 's3')).toThrow('names a folder');
    expect(() => objectKey({ bucket: 'b', key: '' }, 's3')).toThrow('names a folder');
  });
});
