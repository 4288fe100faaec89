import { fromLedgerUnits, toLedgerUnits, toRequestShape } from './ledger-units';

describe('ledger units', () => {
  it('holds cpu in whole milli-cores, ignoring decimal-to-binary noise', () => {
    expect(toLedgerUnits({ cpu: 0.1, memory: 0, gpu: 0 }, 'up').cpuMilli).toBe(100);
    expect(toLedgerUnits({ cpu: 0.3, memory: 0, gpu: 0 }, 'up').cpuMilli).toBe(300);
    expect(toLedgerUnits({ cpu: 0.1 + 0.2, memory: 0, gpu: 0 }, 'down').cpuMilli).toBe(300);
  });

  it('rounds requests up and capacities down, so a task never gets less than asked nor the ledger promise more', () => {
    expect(toLedgerUnits({ cpu: 0.0015, memory: 10.5, gpu: 0 }, 'up')).toEqual({ cpuMilli: 2, memory: 11, gpu: 0 });
    expect(toLedgerUnits({ cpu: 0.0015, memory: 10.5, gpu: 0 }, 'down')).toEqual({ cpuMilli: 1, memory: 10, gpu: 0 });
  });

  it('gives identical requests the same shape key and different requests different keys', () => {
    expect(toRequestShape({ cpu: 1, memory: 5, gpu: 0 }).key).toBe(toRequestShape({ cpu: 1.0, memory: 5, gpu: 0 }).key);
    expect(toRequestShape({ cpu: 1, memory: 5, gpu: 0 }).key).not.toBe(toRequestShape({ cpu: 1, memory: 5, gpu: 1 }).key);
  });

  it('converts back to cores', () => {
    expect(fromLedgerUnits({ cpuMilli: 2500, memory: 7, gpu: 1 })).toEqual({ cpu: 2.5, memory: 7, gpu: 1 });
  });
});
