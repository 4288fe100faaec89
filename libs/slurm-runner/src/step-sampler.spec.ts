import { type CommandResult, type RunOptions, SlurmCli, type SlurmCommand } from './slurm-cli';
import { StepSampler } from './step-sampler';

/** Counts sstat calls and answers with what the test sets; pure logic, no Slurm. */
class SstatCli extends SlurmCli {
  readonly asked: string[] = [];
  answer: CommandResult = { code: 0, stdout: '', stderr: '' };
  constructor() {
    super(undefined, {});
  }
  override run(_command: SlurmCommand, args: readonly string[], _options?: RunOptions): Promise<CommandResult> {
    this.asked.push(args.at(-1) ?? '');
    return Promise.resolve(this.answer);
  }
}

describe('StepSampler', () => {
  let clock = 0;
  const sampler = (cli: SlurmCli): StepSampler => new StepSampler(cli, () => clock);

  it('reads every metered job with one sstat and shares the answer within half an interval', async () => {
    const cli = new SstatCli();
    cli.answer = { code: 0, stdout: '1.batch|1024K|00:00:00|0|0\n2.batch|2048K|00:00:01|10|20\n', stderr: 'sstat: error: StepId=3.batch not found running.\n' };
    const steps = sampler(cli);
    for (const id of ['1', '2', '3']) steps.meter(id, 1000);
    clock = 0;
    expect(await steps.read('1')).toEqual({ peakMemoryBytes: 1024 * 1024, readBytes: 0, writtenBytes: 0 });
    clock = 400;
    expect(await steps.read('2')).toEqual({ peakMemoryBytes: 2048 * 1024, readBytes: 10, writtenBytes: 20 });
    expect(await steps.read('3')).toBeNull();
    expect(cli.asked).toEqual(['--jobs=1.batch,2.batch,3.batch']);
    clock = 600; // older than half the interval: asked again
    await steps.read('1');
    expect(cli.asked).toHaveLength(2);
  });

  it('asks again for a job the last answer did not cover, and leaves out jobs no longer metered', async () => {
    const cli = new SstatCli();
    const steps = sampler(cli);
    const stop = steps.meter('1', 1000);
    clock = 10_000;
    await steps.read('1');
    stop();
    steps.meter('5', 1000);
    await steps.read('5');
    expect(cli.asked).toEqual(['--jobs=1.batch', '--jobs=5.batch']);
  });

  it('fault: a failed sstat fails every reader of it and is not kept; a malformed line fails too', async () => {
    const cli = new SstatCli();
    const steps = sampler(cli);
    steps.meter('1', 1000);
    clock = 20_000;
    cli.answer = { code: 1, stdout: '', stderr: 'sstat: error: slurm_get_node_energy: Connection timed out' };
    await expect(steps.read('1')).rejects.toThrow(/sstat failed \(exit code 1\): .*Connection timed out/);
    cli.answer = { code: 0, stdout: '1.batch|1024K|00:00:00|0\n', stderr: '' };
    await expect(steps.read('1')).rejects.toThrow(/4 columns where 5/);
    cli.answer = { code: 0, stdout: '9.batch|1024K|00:00:00|0|0\n', stderr: '' };
    await expect(steps.read('1')).rejects.toThrow(/another job \(9\.batch\)/);
    expect(cli.asked).toHaveLength(3);
  });
});
