import { CAPSTAN_TES_DESCRIPTION } from '@capstan/tes-model';
import { Harness } from './testing/harness';

let harness: Harness | undefined;

afterEach(async () => {
  await harness?.dispose();
  harness = undefined;
});

const USAGE = { 'capstan.usage.peak_memory_bytes': '209715200', 'capstan.usage.cpu_seconds': '1.5', 'capstan.usage.wall_seconds': '3', 'capstan.usage.samples': '4' };

describe('resource usage through the tes backend', () => {
  it("reads a Capstan server's task log usage into the result, and then declares usage final-only", async () => {
    harness = await Harness.start({ description: CAPSTAN_TES_DESCRIPTION });
    harness.server.drive(() => ({ state: 'COMPLETE', exitCode: 0, metadata: USAGE }));
    const backend = harness.backend();
    expect(backend.capabilities.usage).toBe('unavailable');
    const result = await harness.execute(backend, await harness.request()).result;
    expect(result.usage).toEqual({ peakMemoryBytes: 209715200, cpuPercentMean: 50, wallSeconds: 3, samples: 4 });
    expect(backend.capabilities.usage).toBe('final-only');
    // Asked once per backend, not once per attempt.
    await harness.execute(backend, await harness.request('run-2')).result;
    expect(harness.server.count('service-info')).toBe(1);
  });

  it('the probe alone tells a Capstan server from another', async () => {
    harness = await Harness.start({ description: CAPSTAN_TES_DESCRIPTION });
    const backend = harness.backend();
    await backend.probe();
    expect(backend.capabilities.usage).toBe('final-only');
  });

  it('hostile: another server writing capstan.usage keys is not believed, and usage stays unavailable', async () => {
    harness = await Harness.start({ description: 'Funnel' });
    harness.server.drive(() => ({ state: 'COMPLETE', exitCode: 0, metadata: USAGE }));
    const backend = harness.backend();
    await backend.probe();
    const result = await harness.execute(backend, await harness.request()).result;
    expect(result).toMatchObject({ exitCode: 0, endReason: 'exited' });
    expect(result.usage).toBeUndefined();
    expect(backend.capabilities.usage).toBe('unavailable');
  });

  it('fault: a service-info that fails leaves the result without usage, never fails the attempt, and is asked again later', async () => {
    harness = await Harness.start({ description: CAPSTAN_TES_DESCRIPTION });
    harness.server.inject('service-info', { status: 500 });
    harness.server.drive(() => ({ state: 'COMPLETE', exitCode: 0, metadata: USAGE }));
    const backend = harness.backend();
    const first = await harness.execute(backend, await harness.request()).result;
    expect(first).toMatchObject({ exitCode: 0, endReason: 'exited' });
    expect(first.usage).toBeUndefined();
    const second = await harness.execute(backend, await harness.request('run-2')).result;
    expect(second.usage).toMatchObject({ peakMemoryBytes: 209715200 });
    expect(harness.server.count('service-info')).toBe(2);
  });
});
