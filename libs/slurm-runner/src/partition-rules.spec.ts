import { type ExecutionRequest } from '@capstan/core-constraints';
import { choosePartition, isShortTask, partitionsInRules } from './partition-rules';

const rules = { gpu: 'gpu', fpga: 'fpga', short: 'short', default: 'batch' };

describe('choosePartition', () => {
  it('takes the first matching rule: gpu, fpga, short, default', () => {
    expect(choosePartition(rules, { gpu: 1, fpga: 1, shortTask: true })).toEqual({ partition: 'gpu', rule: 'gpu' });
    expect(choosePartition(rules, { gpu: 0, fpga: 2, shortTask: true })).toEqual({ partition: 'fpga', rule: 'fpga' });
    expect(choosePartition(rules, { gpu: 0, fpga: 0, shortTask: true })).toEqual({ partition: 'short', rule: 'short' });
    expect(choosePartition(rules, { gpu: 0, fpga: 0, shortTask: false })).toEqual({ partition: 'batch', rule: 'default' });
  });

  it('falls through rules that name no partition, down to the cluster default', () => {
    expect(choosePartition({ short: 'short' }, { gpu: 2, fpga: 0, shortTask: true })).toEqual({ partition: 'short', rule: 'short' });
    expect(choosePartition({}, { gpu: 2, fpga: 1, shortTask: true })).toEqual({ partition: undefined, rule: 'default' });
  });

  it('lists every partition the rules can choose, the cluster default as undefined', () => {
    expect(partitionsInRules(rules)).toEqual(['gpu', 'fpga', 'short', 'batch']);
    expect(partitionsInRules({ short: 'short' })).toEqual(['short', undefined]);
  });
});

describe('isShortTask', () => {
  const request = (extra: Record<string, unknown>): ExecutionRequest => ({ timeoutMs: undefined, ...extra }) as unknown as ExecutionRequest;

  it('is short with the short_task hint', () => {
    expect(isShortTask({ ...request({}), shortTask: true }, undefined)).toBe(true);
    expect(isShortTask({ ...request({}), shortTask: false }, undefined)).toBe(false);
  });

  it('is short with a timeout within shortTaskMaxMinutes, when that is set', () => {
    expect(isShortTask(request({ timeoutMs: 60_000 }), 1)).toBe(true);
    expect(isShortTask(request({ timeoutMs: 60_001 }), 1)).toBe(false);
    expect(isShortTask(request({ timeoutMs: 1000 }), undefined)).toBe(false);
    expect(isShortTask(request({}), 10)).toBe(false);
  });
});
