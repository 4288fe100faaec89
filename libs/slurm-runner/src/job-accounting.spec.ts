import { JobAccounting, mergeFinalUsage } from './job-accounting';
import { type CommandResult, type RunOptions, SlurmCli, type SlurmCommand } from './slurm-cli';

const MIB = 1024 * 1024;
const BATCH = '7.batch|COMPLETED|204800K|00:03.500|00:00.250|00:03.750|00:03.000|1.50M|0.25M|00:00:05';

/** Answers each sacct/sstat call with the next scripted result (the last one repeats); pure logic, no Slurm. */
class ScriptedCli extends SlurmCli {
  readonly calls: Array<{ command: SlurmCommand; args: readonly string[] }> = [];
  constructor(private readonly answers: CommandResult[]) {
    super(undefined, {});
  }
  override run(command: SlurmCommand, args: readonly string[], _options?: RunOptions): Promise<CommandResult> {
    this.calls.push({ command, args });
    const answer = this.answers.length > 1 ? this.answers.shift() : this.answers[0];
    return Promise.resolve(answer ?? { code: 0, stdout: '', stderr: '' });
  }
}

const ok = (stdout: string): CommandResult => ({ code: 0, stdout, stderr: '' });
const quick = { finalAttempts: 3, retryDelayMs: 1 };

describe('JobAccounting.final', () => {
  it('asks sacct with job ids and fixed columns only, and reads the batch step', async () => {
    const cli = new ScriptedCli([ok(`7|COMPLETED||||||||00:00:05\n${BATCH}\n`)]);
    const final = await new JobAccounting(cli, quick).final('7');
    expect(final.usage).toMatchObject({ peakMemoryBytes: 200 * MIB, cpuUserSeconds: 3.5, cpuSystemSeconds: 0.25, elapsedSeconds: 5 });
    expect(cli.calls).toEqual([{ command: 'sacct', args: ['--parsable2', '--noheader', '--format=JobID,State,MaxRSS,UserCPU,SystemCPU,TotalCPU,AveCPU,MaxDiskRead,MaxDiskWrite,Elapsed', '--jobs=7'] }]);
  });

  it('asks again while the record lags the end (no batch line yet, or still RUNNING)', async () => {
    const cli = new ScriptedCli([ok(''), ok('7.batch|RUNNING|1K|00:00:00|00:00:00|00:00:00|00:00:00|0|0|00:00:01\n'), ok(BATCH)]);
    const final = await new JobAccounting(cli, quick).final('7');
    expect(final.usage?.state).toBe('COMPLETED');
    expect(cli.calls).toHaveLength(3);
  });

  it('fault: slurmdbd down (sacct fails every time) gives a problem after the retries, never a throw', async () => {
    const down = { code: 1, stdout: '', stderr: 'sacct: error: Problem talking to the database: Connection refused' };
    const cli = new ScriptedCli([down]);
    const final = await new JobAccounting(cli, quick).final('7');
    expect(final.usage).toBeUndefined();
    expect(final.problem).toMatch(/sacct failed \(exit code 1\): .*Connection refused \(asked 3 times/);
    expect(cli.calls).toHaveLength(3);
  });

  it('fault: a malformed line is a problem at once (no retry, no number from it)', async () => {
    const cli = new ScriptedCli([ok('7.batch|COMPLETED|204800K|garbage\n'), ok(BATCH)]);
    const final = await new JobAccounting(cli, quick).final('7');
    expect(final.usage).toBeUndefined();
    expect(final.problem).toMatch(/could not be read: a line of 4 columns where 10 were asked for/);
    expect(cli.calls).toHaveLength(1);
  });
});

describe('JobAccounting.sample', () => {
  it("reads memory and I/O of the running batch step, not sstat's whole-second CPU", async () => {
    const cli = new ScriptedCli([ok('7.batch|10240K|00:00:01|2048|0\n')]);
    expect(await new JobAccounting(cli).sample('7')).toEqual({ peakMemoryBytes: 10 * MIB, readBytes: 2048, writtenBytes: 0 });
    expect(cli.calls[0]?.args).toEqual(['--parsable2', '--noheader', '--format=JobID,MaxRSS,AveCPU,MaxDiskRead,MaxDiskWrite', '--jobs=7.batch']);
  });

  it('is null once the step no longer runs, and throws on other failures (the meter counts them)', async () => {
    const gone = new ScriptedCli([{ code: 1, stdout: '', stderr: 'sstat: error: StepId=7.batch not found running.' }]);
    expect(await new JobAccounting(gone).sample('7')).toBeNull();
    const broken = new ScriptedCli([{ code: 1, stdout: '', stderr: 'sstat: error: slurmd does not answer' }]);
    await expect(new JobAccounting(broken).sample('7')).rejects.toThrow(/sstat failed \(exit code 1\): .*slurmd does not answer/);
  });
});

describe('mergeFinalUsage', () => {
  const sampled = { peakMemoryBytes: 210 * MIB, readBytes: 4096, wallSeconds: 5.6, samples: 9, partial: '1 of 10 usage readings failed' };

  it("completes the readings with sacct's figures: CPU split from sacct, the higher peak, the longer wall, partial cleared", async () => {
    const final = await new JobAccounting(new ScriptedCli([ok(BATCH)]), quick).final('7');
    expect(mergeFinalUsage(sampled, final)).toEqual({
      peakMemoryBytes: 210 * MIB,
      cpuUserSeconds: 3.5,
      cpuSystemSeconds: 0.25,
      cpuPercentMean: Math.round((100_000 * 3.75) / 5.6) / 1000,
      readBytes: 1.5 * MIB,
      writtenBytes: 0.25 * MIB,
      wallSeconds: 5.6,
      samples: 10,
    });
  });

  it('keeps the readings, marked partial with the reason, without sacct', () => {
    const usage = mergeFinalUsage(sampled, { problem: 'sacct failed (exit code 1): Connection refused' });
    expect(usage).toMatchObject({ peakMemoryBytes: 210 * MIB, samples: 9 });
    expect(usage.cpuUserSeconds).toBeUndefined();
    expect(usage.partial).toMatch(/no final usage from Slurm's accounting \(sacct failed .*Connection refused\): the figures are what sstat read/);
    expect(mergeFinalUsage(undefined, { problem: 'x' })).toEqual({ samples: 0, partial: "no final usage from Slurm's accounting (x): nothing was read" });
  });
});
