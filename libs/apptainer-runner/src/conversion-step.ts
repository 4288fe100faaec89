import { CapstanError, ErrorCode } from '@capstan/core-constraints';
import { runProcessGroup } from '@capstan/process-kit';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** One program run of a conversion (a pull, a build, an engine's save), inside the conversion's private folder. */
export interface ConversionStep {
  readonly program: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** The conversion's private folder: the working directory, and where `<log>.out`/`<log>.err` go. */
  readonly work: string;
  readonly log: string;
  readonly timeoutMs: number;
  /** What is being made, for the cancel message. */
  readonly what: string;
}

/**
 * Runs one step to its end. Resolves with null when it exited 0, else with why it failed (the FATAL/ERROR lines of its
 * stderr, else its last lines); rejects only when it was canceled (`canceled`) or ran out of time.
 */
export async function runConversionStep(step: ConversionStep, signal: AbortSignal): Promise<string | null> {
  const stderrFile = join(step.work, `${step.log}.err`);
  const outcome = await runProcessGroup(
    {
      program: step.program,
      args: [...step.args],
      cwd: step.work,
      env: { ...step.env },
      stdoutFile: join(step.work, `${step.log}.out`),
      stderrFile,
      timeoutMs: step.timeoutMs,
      graceMs: 2_000,
    },
    signal,
    () => undefined,
  );
  if (outcome.endReason === 'canceled') throw new CapstanError(ErrorCode.Canceled, `canceled while converting ${step.what}`);
  if (outcome.endReason === 'timeout') throw new Error(`the conversion took longer than ${step.timeoutMs / 1000} s (pullTimeoutSeconds) and was stopped`);
  if (outcome.exitCode === 0) return null;
  return (await readTail(stderrFile)) || outcome.message || `exit code ${outcome.exitCode}`;
}

/** The FATAL/ERROR lines of a program's stderr (else its last lines), on one line. */
async function readTail(file: string): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const lines = text.split('\n').map((line) => stripColours(line).trim()).filter((line) => line !== '');
  const fatal = lines.filter((line) => /^(FATAL|ERROR|Error)\b/.test(line));
  return (fatal.length > 0 ? fatal : lines.slice(-3)).join(' ').slice(0, 2000);
}

/** Apptainer colours its FATAL/ERROR prefixes (ESC [ ... m). */
function stripColours(line: string): string {
  return line.split(String.fromCharCode(27)).map((part, index) => (index === 0 ? part : part.replace(/^\[[0-9;]*m/, ''))).join('');
}
