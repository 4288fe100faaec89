import { parseSlurmBytes, parseSlurmDuration, parseStepUsage, SACCT_FIELDS, SSTAT_FIELDS } from './job-usage';

describe('parseSlurmBytes', () => {
  it('reads K, M, G suffixes as powers of 1024 and a bare number as bytes', () => {
    expect(parseSlurmBytes('204800K')).toBe(200 * 1024 * 1024);
    expect(parseSlurmBytes('1.50M')).toBe(1.5 * 1024 * 1024);
    expect(parseSlurmBytes('2G')).toBe(2 * 1024 ** 3);
    expect(parseSlurmBytes('2012')).toBe(2012);
    expect(parseSlurmBytes('0')).toBe(0);
    expect(parseSlurmBytes('')).toBeUndefined();
  });

  it('refuses what is not a size', () => {
    for (const bad of ['12k', '1.5MB', '-3K', 'K', '1e9', ' 5K', 'NaN', '1..2M']) expect(() => parseSlurmBytes(bad)).toThrow(/not a Slurm size/);
  });
});

describe('parseSlurmDuration', () => {
  it('reads [DD-[HH:]]MM:SS with optional fractions', () => {
    expect(parseSlurmDuration('00:03.123')).toBeCloseTo(3.123, 6);
    expect(parseSlurmDuration('01:02')).toBe(62);
    expect(parseSlurmDuration('02:00:01')).toBe(7201);
    expect(parseSlurmDuration('1-02:03:04')).toBe(86_400 + 7200 + 180 + 4);
    expect(parseSlurmDuration('')).toBeUndefined();
  });

  it('refuses what is not a duration, or a field out of range', () => {
    for (const bad of ['3', '1-03:04', '00:61', '01:60:00', '24:00:00', 'a:bc', '00:03.', '-00:01', 'INVALID']) expect(() => parseSlurmDuration(bad)).toThrow(/not a Slurm duration/);
  });
});

describe('parseStepUsage', () => {
  const sacct = [
    '42|COMPLETED||00:01.200|00:00.300|00:01.500||||00:00:05',
    '42.batch|COMPLETED|204800K|00:03.500|00:00.250|00:03.750|00:03.000|1.50M|0.25M|00:00:05',
    '42.extern|COMPLETED|0|00:00:00|00:00:00|00:00:00|00:00:00|0|0|00:00:05',
  ].join('\n');

  it("reads the batch step's line of sacct: memory, CPU split, I/O, elapsed", () => {
    expect(parseStepUsage(sacct, SACCT_FIELDS, '42')).toEqual({
      stepId: '42.batch',
      state: 'COMPLETED',
      peakMemoryBytes: 200 * 1024 * 1024,
      cpuUserSeconds: 3.5,
      cpuSystemSeconds: 0.25,
      readBytes: 1.5 * 1024 * 1024,
      writtenBytes: 0.25 * 1024 * 1024,
      elapsedSeconds: 5,
    });
  });

  it("reads sstat's line of the running batch step (CPU not split)", () => {
    expect(parseStepUsage('42.batch|10240K|00:01.500|0|512K\n', SSTAT_FIELDS, '42')).toEqual({
      stepId: '42.batch',
      peakMemoryBytes: 10 * 1024 * 1024,
      cpuSeconds: 1.5,
      readBytes: 0,
      writtenBytes: 512 * 1024,
    });
  });

  it('is undefined when the batch step has no line yet (accounting lags the end)', () => {
    expect(parseStepUsage('42|RUNNING||||||||00:00:01\n', SACCT_FIELDS, '42')).toBeUndefined();
    expect(parseStepUsage('', SACCT_FIELDS, '42')).toBeUndefined();
  });

  it('throws on a malformed line: a column too many or too few, a unit it does not know', () => {
    expect(() => parseStepUsage('42.batch|COMPLETED|204800K|00:03.500\n', SACCT_FIELDS, '42')).toThrow(/4 columns where 10/);
    expect(() => parseStepUsage('42.batch|COMPLETED|200Q|00:03.500|00:00.250|00:03.750|00:03.000|0|0|00:00:05\n', SACCT_FIELDS, '42')).toThrow(/not a Slurm size/);
    expect(() => parseStepUsage('42.batch|COMPLETED|0|soon|00:00.250|00:03.750|00:03.000|0|0|00:00:05\n', SACCT_FIELDS, '42')).toThrow(/not a Slurm duration/);
    expect(() => parseStepUsage('42.batch|COMPLETED|0|00:01.000|00:00.250|00:03.750|3 s|0|0|00:00:05\n', SACCT_FIELDS, '42')).toThrow(/"3 s" is not a Slurm duration/);
  });

  it('hostile: a job name or comment with a | and a newline cannot forge a field (they are never asked for; a shifted line throws)', () => {
    // What a task-chosen name would do if it were in the output: an extra line of a forged step and extra columns.
    const forged = `${sacct}\n42.batch|COMPLETED|1K|00:00:00|00:00:00|00:00:00|00:00:00|0|0|00:00:01|evil`;
    expect(() => parseStepUsage(forged, SACCT_FIELDS, '42')).toThrow(/11 columns where 10/);
    expect(() => parseStepUsage('43.batch|COMPLETED|1K|00:00:00|00:00:00|00:00:00|00:00:00|0|0|00:00:01', SACCT_FIELDS, '42')).toThrow(/another job/);
    expect(() => parseStepUsage('42.batch;rm|COMPLETED|1K|00:00:00|00:00:00|00:00:00|00:00:00|0|0|00:00:01', SACCT_FIELDS, '42')).toThrow(/another job/);
    expect(SACCT_FIELDS).not.toContain('JobName');
    expect(SACCT_FIELDS).not.toContain('Comment');
  });
});
