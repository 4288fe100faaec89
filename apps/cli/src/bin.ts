#!/usr/bin/env node
import { type CommandIo } from './commands/plan-command';
import { main } from './main';
import { ExitCode } from './output/exit-codes';

const io: CommandIo = { stdout: (text) => process.stdout.write(text), stderr: (text) => process.stderr.write(text) };
main(process.argv.slice(2), io).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`capstan: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = ExitCode.Internal;
  },
);
