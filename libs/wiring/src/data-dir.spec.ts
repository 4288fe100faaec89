import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareDataDir } from './data-dir';
import { durationSchema } from './duration';

describe('prepareDataDir', () => {
  let root: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'capstan-data-'));
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const modeOf = (path: string): number => statSync(path).mode & 0o777;

  it('creates a missing folder with mode 0700', async () => {
    expect(await prepareDataDir(join(root, 'a', 'data'))).toBe('created');
    expect(modeOf(join(root, 'a', 'data'))).toBe(0o700);
  });

  it('tightens a folder an earlier version left open to others, and leaves a private one as it is', async () => {
    const dir = join(root, 'data');
    mkdirSync(dir);
    chmodSync(dir, 0o755);
    expect(await prepareDataDir(dir)).toBe('tightened');
    expect(modeOf(dir)).toBe(0o700);
    expect(await prepareDataDir(dir)).toBe('private');
  });

  it('refuses a file where the folder should be', async () => {
    writeFileSync(join(root, 'data'), '');
    await expect(prepareDataDir(join(root, 'data'))).rejects.toMatchObject({ code: 'config.invalid', path: 'api.dataDir', message: expect.stringContaining('is not a folder') });
  });
});

describe('durationSchema', () => {
  it.each([
    ['30d', 30 * 86_400_000],
    ['12h', 12 * 3_600_000],
    ['15m', 900_000],
    ['90s', 90_000],
    ['off', null],
  ])('reads %s', (text, ms) => {
    expect(durationSchema.parse(text)).toBe(ms);
  });

  it.each(['0s', '30', '1w', '-1d', '1.5h', ''])('refuses %j', (text) => {
    expect(durationSchema.safeParse(text).success).toBe(false);
  });
});
