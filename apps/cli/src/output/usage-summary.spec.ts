import { type AttemptRecord, type TaskResult } from '@capstan/engine';
import { rightSizing, usageLine, usageSummary } from './usage-summary';

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

function attempt(overrides: Partial<AttemptRecord> = {}): AttemptRecord {
  return { attempt: 1, attemptName: 't', folder: '/x', exitCode: 0, endReason: 'exited', memory: 2 * GIB, memoryLimit: null, cpu: 1, startedAt: '', endedAt: '', ...overrides };
}

function result(taskName: string, attempts: AttemptRecord[]): TaskResult {
  const phases = { resolveMs: 0, queueMs: 0, stageMs: 0, runMs: 0, collectMs: 0, cleanupMs: 0, totalMs: 0 };
  return { runId: 'r', taskName, uniqueName: taskName, backend: 'docker', state: 'succeeded', exitCode: 0, endReason: 'exited', attempts, outputs: [], published: [], outputsFolder: null, missingOutputs: [], folder: '/x', folderDeleted: false, phases, warnings: [] };
}

describe('usageSummary', () => {
  it('shows the last attempt of each task that reported usage, and a right-sizing line for a request far above the use', () => {
    const usage = { peakMemoryBytes: 310 * MIB, cpuUserSeconds: 1.25, cpuSystemSeconds: 0.25, cpuPercentMean: 50, cpuPercentPeak: 98.6, readBytes: 0, writtenBytes: 2048, wallSeconds: 3, samples: 2 };
    const text = usageSummary([result('align', [attempt({ usage })]), result('local one', [attempt()])]);
    expect(text).toBe(
      '\nUsage (last attempt):\n' +
        '  align  peak 310 MiB, CPU 1.5 s (user 1.3, system 0.3), mean 50%, peak 99%, read 0 B, written 2 KiB\n' +
        '  align: peak 310 MiB of 2 GiB requested: memory could be lowered\n',
    );
  });

  it('is empty when no backend reported usage, or nothing was read before the attempts ended', () => {
    expect(usageSummary([result('a', [attempt()]), result('b', [])])).toBe('');
    expect(usageSummary([result('quick', [attempt({ usage: { samples: 0, partial: 'the attempt ended before its first usage reading' } })])])).toBe('');
  });

  it('still says why an attempt of which nothing was read ended out of memory', () => {
    const oom = attempt({ endReason: 'oom', exitCode: 137, memory: 32 * MIB, usage: { samples: 0, partial: 'the attempt ended before its first usage reading' } });
    expect(usageSummary([result('tight', [oom])])).toBe('\nUsage (last attempt):\n  tight: out of memory at 32 MiB: raise memory, or set the memory_retry_multiplier hint\n');
  });

  it('leaves out what was not read, and says why the usage is partial', () => {
    expect(usageLine({ samples: 0, partial: 'the attempt ended before its first usage reading' })).toBe('nothing read (partial: the attempt ended before its first usage reading)');
    expect(usageLine({ peakMemoryBytes: 5 * MIB, samples: 1 })).toBe('peak 5 MiB');
  });
});

describe('rightSizing', () => {
  it('explains an oom end with the limit and the peak read', () => {
    expect(rightSizing(attempt({ endReason: 'oom', exitCode: 137, memory: 64 * MIB, memoryLimit: 128 * MIB }), { peakMemoryBytes: 127 * MIB, samples: 3 })).toEqual([
      'out of memory at 128 MiB (peak read 127 MiB): raise memory, or set the memory_retry_multiplier hint',
    ]);
  });

  it('flags a peak above the request, and leaves small requests and close ones alone', () => {
    expect(rightSizing(attempt({ memory: 256 * MIB }), { peakMemoryBytes: 300 * MIB, samples: 1 })).toEqual(['peak 300 MiB above the 256 MiB requested: raise memory, or the task may be killed where memory is tight']);
    expect(rightSizing(attempt({ memory: 256 * MIB }), { peakMemoryBytes: 10 * MIB, samples: 1 })).toEqual([]);
    expect(rightSizing(attempt({ memory: 2 * GIB }), { peakMemoryBytes: 1 * GIB, samples: 1 })).toEqual([]);
  });

  it('flags CPU far below or above the request only for attempts of at least 10 s', () => {
    expect(rightSizing(attempt({ cpu: 8, memory: 0 }), { cpuUserSeconds: 10, cpuSystemSeconds: 0, wallSeconds: 20, samples: 4 })).toEqual(['CPU 0.5 of 8 requested on average: cpu could be lowered']);
    expect(rightSizing(attempt({ cpu: 1, memory: 0 }), { cpuUserSeconds: 60, cpuSystemSeconds: 0, wallSeconds: 20, samples: 4 })).toEqual(['CPU 3.0 on average, above the 1 requested: raise cpu']);
    expect(rightSizing(attempt({ cpu: 8, memory: 0 }), { cpuUserSeconds: 1, cpuSystemSeconds: 0, wallSeconds: 5, samples: 1 })).toEqual([]);
  });
});
