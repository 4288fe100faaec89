import 'reflect-metadata';
import { commandListText, completionScript, helpText, shown } from '@capstan/cli-spec';
import { suggestKey } from '@capstan/core-constraints';
import { type CommandIo } from './commands/common-options';
import { COMMANDS } from './commands/definitions';
import { ExitCode } from '@capstan/support';
import { CAPSTAN_VERSION } from './version';

type Command = (argv: readonly string[], io: CommandIo) => Promise<number>;

// Each command is imported when it runs: `--help` loads no backend, and `run` no TES server (docs/benchmarks.md).
const HANDLERS: Readonly<Record<string, Command>> = {
  plan: async (argv, io) => (await import('./commands/plan-command')).planCommand(argv, io),
  run: async (argv, io) => (await import('./commands/run-command')).runCommand(argv, io),
  runs: async (argv, io) => (await import('./commands/runs-command')).runsCommand(argv, io),
  logs: async (argv, io) => (await import('./commands/logs-command')).logsCommand(argv, io),
  report: async (argv, io) => (await import('./commands/report-command')).reportCommand(argv, io),
  ps: async (argv, io) => (await import('./commands/ps-command')).psCommand(argv, io),
  top: async (argv, io) => (await import('./commands/top-command')).topCommand(argv, io),
  doctor: async (argv, io) => (await import('./commands/doctor-command')).doctorCommand(argv, io),
  cleanup: async (argv, io) => (await import('./commands/cleanup-command')).cleanupCommand(argv, io),
  serve: async (argv, io) => (await import('./commands/serve-command')).serveCommand(argv, io),
  help: helpCommand,
  completion: completionCommand,
};

export async function main(argv: readonly string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    io[name === undefined ? 'stderr' : 'stdout'](`${commandListText(COMMANDS)}\n`);
    return name === undefined ? ExitCode.Usage : ExitCode.Ok;
  }
  if (name === '--version' || name === '-V') {
    io.stdout(`capstan ${CAPSTAN_VERSION}\n`);
    return ExitCode.Ok;
  }
  const command = Object.hasOwn(HANDLERS, name) ? HANDLERS[name] : undefined;
  if (command === undefined) return unknownCommand(name, io);
  // `capstan run --help` alone is `capstan help run`: answered without importing the command (and its backends).
  if (rest.length === 1 && (rest[0] === '--help' || rest[0] === '-h') && COMMANDS.some((spec) => spec.name === name)) return helpCommand([name], io);
  return command(rest, io);
}

function unknownCommand(name: string, io: CommandIo): number {
  const known = Object.keys(HANDLERS);
  const suggestion = name.startsWith('-') ? suggestKey(name, ['--help', '--version']) : suggestKey(name, known);
  const what = name.startsWith('-') ? 'option' : 'command';
  io.stderr(`capstan: unknown ${what} ${shown(name)}${suggestion === undefined ? '' : `; did you mean ${suggestion}?`} ("capstan --help" lists the commands)\n`);
  return ExitCode.Usage;
}

/** `capstan help [command]`: the same text as `capstan <command> --help`. */
async function helpCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const [name] = argv;
  if (name === undefined) {
    io.stdout(`${commandListText(COMMANDS)}\n`);
    return ExitCode.Ok;
  }
  const spec = COMMANDS.find((candidate) => candidate.name === name);
  if (spec === undefined) return unknownCommand(name, io);
  io.stdout(`${helpText(spec)}\n`);
  return ExitCode.Ok;
}

/** `capstan completion bash|zsh|fish`: a script to source, made from the command definitions. */
async function completionCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const [shell] = argv;
  if (shell === undefined || argv.length > 1) {
    io.stderr('capstan: give one shell: capstan completion bash|zsh|fish (e.g. source <(capstan completion bash))\n');
    return ExitCode.Usage;
  }
  try {
    io.stdout(completionScript(shell, COMMANDS));
    return ExitCode.Ok;
  } catch (error) {
    io.stderr(`capstan: ${(error as Error).message}\n`);
    return ExitCode.Usage;
  }
}
