import { s3Failure } from './s3-failure';

describe('s3Failure', () => {
  it.each([
    ['NoSuchKey', 404, 'not_found'],
    ['NoSuchBucket', 404, 'not_found'],
    ['SignatureDoesNotMatch', 403, 'denied'],
    ['InvalidAccessKeyId', 403, 'denied'],
    ['InternalError', 500, 'failed'],
  ])('reads %s (HTTP %d) as %s', (name, status, kind) => {
    const failure = s3Failure(Object.assign(new Error('the store says: AKIASECRETKEY was wrong'), { name, $metadata: { httpStatusCode: status } }), 'reading x');
    expect(failure.kind).toBe(kind);
    expect(failure.message).toContain(name);
    expect(failure.message).not.toContain('AKIASECRETKEY');
  });

  it('names a system error by its code only', () => {
    const failure = s3Failure(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1 https://user:pw@host'), { code: 'ECONNREFUSED' }), 'reading x');
    expect(failure.kind).toBe('failed');
    expect(failure.message).toContain('ECONNREFUSED');
    expect(failure.message).not.toContain('pw@');
  });
});
