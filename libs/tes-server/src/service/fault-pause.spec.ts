import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FAULT_PAUSE_ENV, faultPause } from './fault-pause';

describe('faultPause', () => {
  let folder: string;
  beforeEach(async () => (folder = await mkdtemp(join(tmpdir(), 't10-logs-pause-'))));
  afterEach(() => rm(folder, { recursive: true, force: true }));

  it('does nothing without the variable (production) or at another point', async () => {
    await expect(faultPause('executor-recorded', {})).resolves.toBeUndefined();
    const env = { [FAULT_PAUSE_ENV]: `executor-removed:${join(folder, 'marker')}` };
    await expect(faultPause('executor-recorded', env)).resolves.toBeUndefined();
    await expect(readFile(join(folder, 'marker'))).rejects.toThrow();
    expect(env[FAULT_PAUSE_ENV]).toBeDefined();
  });

  it('writes the marker and waits at its point, once: the next time it passes', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick'] });
    try {
      const env: NodeJS.ProcessEnv = { [FAULT_PAUSE_ENV]: `executor-removed:${join(folder, 'marker')}` };
      let resumed = false;
      const paused = faultPause('executor-removed', env).then(() => (resumed = true));
      for (let turn = 0; turn < 50 && (await readFile(join(folder, 'marker'), 'utf8').catch(() => '')) === ''; turn++) await new Promise((next) => setImmediate(next));
      expect(await readFile(join(folder, 'marker'), 'utf8')).toBe('executor-removed');
      expect(resumed).toBe(false);
      await expect(faultPause('executor-removed', env)).resolves.toBeUndefined();
      jest.advanceTimersByTime(60_000);
      await paused;
      expect(resumed).toBe(true);
    } finally {
      jest.useRealTimers();
    }
  });
});
