import { parseTask } from './task';
import { hintWarnings, memoryWarnings, SMALL_MEMORY_BYTES, taskWarnings } from './task-warnings';

function warningsOf(body: Record<string, unknown>): string[] {
  return taskWarnings(parseTask({ name: 't', command: 'true', ...body }));
}

describe('hintWarnings', () => {
  it.each<[string, string]>([
    ['timout', 'timeout'],
    ['max_memroy', 'max_memory'],
    ['maxMemroy', 'max_memory'],
    ['MAX_MEMORY', 'max_memory'],
    ['max-cpu', 'max_cpu'],
    ['shel', 'shell'],
    ['gpus', 'gpu'],
    ['short_tsk', 'short_task'],
    ['preemptable', 'preemptible'],
  ])('warns about %j, naming %j', (key, suggestion) => {
    const warnings = hintWarnings(parseTask({ name: 't', command: 'true', hints: { [key]: 1 } }).hints);
    expect(warnings).toEqual([`hint ${JSON.stringify(key)} is not one Capstan knows, so it is kept as a custom hint and does nothing; did you mean "${suggestion}"?`]);
  });

  it.each(['timeout', 'shell', 'max_memory', 'maxMemory', 'maxCpu', 'localizationOptional', 'preemptible'])('is silent for the known hint %j', (key) => {
    const value = key === 'shell' ? 'sh' : key === 'maxMemory' || key === 'max_memory' ? '1 GiB' : key === 'localizationOptional' ? true : 1;
    expect(warningsOf({ hints: { [key]: value } })).toEqual([]);
  });

  it.each(['docker_network', 'queue', 'walltime', 'zones', 'mem', 'priority', 'account'])('is silent for the custom hint %j (hints stay open)', (key) => {
    expect(warningsOf({ hints: { [key]: 'x' } })).toEqual([]);
  });

  it('quotes a hostile key so it cannot put control characters on a terminal, and skips a 1 MB key quickly', () => {
    const [warning] = hintWarnings(parseTask({ name: 't', command: 'true', hints: { 'timout\u001b': 1 } }).hints);
    expect(warning).toContain('"timout\\u001b"');
    expect(warning).not.toContain('\u001b');
    const started = Date.now();
    expect(hintWarnings(parseTask({ name: 't', command: 'true', hints: { ['t'.repeat(1_000_000)]: 1 } }).hints)).toEqual([]);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe('memoryWarnings', () => {
  it('suggests MiB for a memory request written as a bare number under 4 MiB', () => {
    expect(warningsOf({ requirements: { memory: 4096 } })).toEqual([
      'requirements.memory is 4 KiB (4096 bytes): a size without a unit is bytes, and under 4 MiB almost no program runs; did you mean "4096 MiB"?',
    ]);
  });

  it('warns for a max_memory hint under 4 MiB, whichever alias names it', () => {
    for (const key of ['max_memory', 'maxMemory']) {
      expect(warningsOf({ hints: { [key]: 512 } })).toEqual([expect.stringMatching(/^hints\.max_memory is 512 B \(512 bytes\).*did you mean "512 MiB"\?$/)]);
    }
  });

  it('is silent at 4 MiB and above, and for the default request', () => {
    expect(warningsOf({ requirements: { memory: SMALL_MEMORY_BYTES }, hints: { max_memory: '4 MiB' } })).toEqual([]);
    expect(warningsOf({ requirements: { memory: '2 GiB' } })).toEqual([]);
    expect(warningsOf({})).toEqual([]);
  });

  it('one byte under the bound warns', () => {
    expect(memoryWarnings(parseTask({ name: 't', command: 'true', requirements: { memory: SMALL_MEMORY_BYTES - 1 } }))).toHaveLength(1);
  });
});
