import 'reflect-metadata';
import { type CommandIo } from './commands/common-options';
import { planCommand } from './commands/plan-command';
import { runCommand } from './commands/run-command';
import { doctorCommand } from './commands/doctor-command';
import { cleanupCommand } from './commands/cleanup-command';
import { serveCommand } from '@capstan/wiring';
import { ExitCode } from './output/exit-codes';

const USAGE = `Usage: capstan <command> [options]

Commands:
  run <task-file>... run tasks in containers (or: run --image IMAGE -- COMMAND ARGS...)
  plan <task-file>   resolve a task on a backend and print what would run
  doctor             probe every backend: capacity, what it enforces, what is missing and how to fix it
  cleanup            remove containers left behind by Capstan processes that are gone
  serve              run the GA4GH TES v1.1 server (HTTP API) on the configured backend

Run "capstan <command> --help" for a command's options.`;

const COMMANDS: Readonly<Record<string, (argv: readonly string[], io: CommandIo) => Promise<number>>> = {
  plan: planCommand,
  run: runCommand,
  doctor: doctorCommand,
  cleanup: cleanupCommand,
  serve: serveCommand,
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
