import { CapstanError, ErrorCode } from '@capstan/core-constraints';
import { amounts } from './ledger-test-kit';
import { defaultBackfillDepth, settingsFrom, type ResourceLedgerOptions } from './ledger-options';

function rejection(options: ResourceLedgerOptions): CapstanError {
  try {
    settingsFrom(options);
  } catch (error) {
    if (error instanceof CapstanError) return error;
    throw error;
  }
  throw new Error('expected the options to be rejected');
}

describe('ledger options', () => {
  it('defaults perTaskMax to the capacity and backfillDepth to the documented default', () => {
    const settings = settingsFrom({ capacity: amounts(4, 16, 1) });
    expect(settings.perTaskMax).toEqual(amounts(4, 16, 1));
    expect(settings.limit).toEqual({ cpuMilli: 4000, memory: 16 * 1024 ** 3, gpu: 1, tasks: Infinity });
    expect(settings.backfillDepth).toBe(defaultBackfillDepth);
  });

  it.each([
    ['negative cpu', { capacity: amounts(-1, 16) }, 'capacity.cpu'],
    ['NaN memory', { capacity: { cpu: 4, memory: Number.NaN, gpu: 0 } }, 'capacity.memory'],
    ['infinite cpu', { capacity: { cpu: Infinity, memory: 1, gpu: 0 } }, 'capacity.cpu'],
    ['half a GPU', { capacity: amounts(4, 16, 0.5) }, 'capacity.gpu'],
    ['no cpu at all', { capacity: amounts(0, 16) }, 'capacity'],
    ['perTaskMax above capacity', { capacity: amounts(4, 16), perTaskMax: amounts(8, 16) }, 'perTaskMax.cpu'],
    ['zero concurrent tasks', { capacity: amounts(4, 16), maxConcurrentTasks: 0 }, 'maxConcurrentTasks'],
    ['fractional concurrent tasks', { capacity: amounts(4, 16), maxConcurrentTasks: 2.5 }, 'maxConcurrentTasks'],
    ['zero backfill depth', { capacity: amounts(4, 16), backfillDepth: 0 }, 'backfillDepth'],
  ])('rejects %s with value.invalid at %s', (_case, options: ResourceLedgerOptions, path) => {
    const error = rejection(options);
    expect(error.code).toBe(ErrorCode.InvalidValue);
    expect(error.path).toBe(path);
  });

  it('explains why a perTaskMax above capacity is refused', () => {
    expect(rejection({ capacity: amounts(4, 16), perTaskMax: amounts(4, 32) }).message).toMatch(
      /perTaskMax\.memory .* is above capacity\.memory .*would wait forever/,
    );
  });

  it('lets perTaskMax exceed capacity when unlimited, and lifts every limit but the task count', () => {
    const settings = settingsFrom({ capacity: amounts(4, 16), perTaskMax: amounts(64, 512), unlimited: true, maxConcurrentTasks: 3 });
    expect(settings.limit).toEqual({ cpuMilli: Infinity, memory: Infinity, gpu: Infinity, tasks: 3 });
    expect(settings.perTaskMaxUnits.cpuMilli).toBe(64000);
  });
});
