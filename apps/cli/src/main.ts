import 'reflect-metadata';
import { planCommand, type CommandIo } from './commands/plan-command';
import { ExitCode } from './output/exit-codes';

const USAGE = `Usage: capstan <command> [options]

Commands:
  plan <task-file>   resolve a task on a backend and print what would run

Run "capstan <command> --help" for a command's options.`;

const COMMANDS: Readonly<Record<string, (argv: readonly string[], io: CommandIo) => Promise<number>>> = {
  plan: planCommand,
};

export async function main(argv: readonly string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(`${USAGE}\n`);
    return name === undefined ? ExitCode.Usage : ExitCode.Ok;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    io.stderr(`capstan: unknown command "${name}"\n\n${USAGE}\n`);
    return ExitCode.Usage;
  }
  return command(rest, io);
}
