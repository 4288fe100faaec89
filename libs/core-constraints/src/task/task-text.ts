import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { CapstanError, ErrorCode } from '../errors/capstan-error';
import { parseTask, type Task } from './task';
import { URL_SOURCE } from '../urls/url-source';


/** Parses task text; `file` names it in errors and anchors relative input sources. */
export function parseTaskText(text: string, file: string): Task {
  let document: unknown;
  try {
    document = parseYaml(text, { prettyErrors: true });
  } catch (error) {
    const where = error instanceof YAMLParseError && error.linePos ? ` at line ${error.linePos[0].line}, column ${error.linePos[0].col}` : '';
    throw new CapstanError(ErrorCode.FileSyntax, `task file ${file} is not valid YAML or JSON${where}: ${(error as Error).message.split('\n')[0]}`, {
      cause: error,
    });
  }
  const task = parseTask(document);
  const base = dirname(resolve(file));
  return {
    ...task,
    inputs: task.inputs.map((input) =>
      URL_SOURCE.test(input.source) || isAbsolute(input.source) ? input : { ...input, source: resolve(base, input.source) },
    ),
  };
}
