#!/usr/bin/env node
import { type CommandIo } from './commands/common-options';
import { main } from './main';
import { ExitCode } from '@capstan/support';

// A reader that goes away (`capstan run ... | head`) must not crash the run: the tasks still end and clean up.
let stdoutOpen = true;
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE' && error.code !== 'EIO') throw error;
  stdoutOpen = false;
});

// Nor must a terminal that closed (SIGHUP, then EIO on every write): the run goes on to stop its tasks.
process.stderr.on('error', () => undefined);

const io: CommandIo = {
  stdout: (text) => {
    if (stdoutOpen) process.stdout.write(text);
  },
  stderr: (text) => process.stderr.write(text),
  isTty: process.stdout.isTTY === true,
};
// The command is done: a plugin's module (it runs in this process) may have left a timer or socket open that would
// keep capstan alive. The timer holds nothing open itself, so a clean exit still comes first.
function exitWhenDone(code: number): void {
  process.exitCode = code;
  setTimeout(() => process.exit(code), 1000).unref();
}

main(process.argv.slice(2), io).then(exitWhenDone, (error: unknown) => {
  process.stderr.write(`capstan: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  exitWhenDone(ExitCode.Internal);
});

// An ES module to esbuild, so that it can split the bundle (in a "type": "commonjs" package a file without exports is
// taken for CommonJS, and everything it imports would then be initialised eagerly).
export {};
