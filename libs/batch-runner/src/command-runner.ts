import { type CommandResult, type CommandRunner, type RunCommand } from '@capstan/process-kit';

/** Counts the commands a runner ran, by program name: the proof that polling does not grow with the number of jobs. */
export class CountingRunner implements CommandRunner {
  private readonly counts = new Map<string, number>();

  constructor(private readonly inner: CommandRunner) {}

  run(command: RunCommand): Promise<CommandResult> {
    const name = (command.argv[0] ?? '').split('/').pop() ?? '';
    this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
    return this.inner.run(command);
  }

  commandCounts(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }
}

/** The last lines of what a failed command said, for an error message. */
export function whatItSaid(result: CommandResult): string {
  const said = (result.stderr.trim() || result.stdout.trim()).split('\n').slice(-3).join(' ');
  return result.failure ?? (said === '' ? `exit code ${result.code ?? 'none'}` : `${said} (exit code ${result.code ?? 'none'})`);
}
