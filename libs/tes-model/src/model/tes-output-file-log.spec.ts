import { int64StringSchema, tesOutputFileLogSchema } from './tes-output-file-log';

describe('tesOutputFileLog', () => {
  it('reads url, path and size_bytes as a string', () => {
    const log = { url: 's3://bucket/file.txt', path: '/data/file.txt', size_bytes: '1024' };
    expect(tesOutputFileLogSchema.parse(log)).toEqual(log);
  });

  it.each(['0', '1024', '9223372036854775807'])('takes the int64 string %s', (text) => {
    expect(int64StringSchema.safeParse(text).success).toBe(true);
  });

  it.each(['9223372036854775808', '-1', '01', '1.5', '', ' 1', 1024])('refuses the size %j', (value) => {
    expect(int64StringSchema.safeParse(value).success).toBe(false);
  });

  it.each([{ url: 'u', path: '/p' }, { url: 'u', size_bytes: '1' }, { path: '/p', size_bytes: '1' }])('refuses %j (all three fields are required)', (value) => {
    expect(tesOutputFileLogSchema.safeParse(value).success).toBe(false);
  });
});
