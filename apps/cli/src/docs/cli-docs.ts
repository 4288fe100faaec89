import { cliMarkdown } from '@capstan/cli-spec';
import { COMMANDS } from '../commands/definitions';

/** Where docs/cli.md is made from, named in its header. */
export const CLI_DOCS_SOURCE = 'apps/cli/src/commands/definitions.ts and libs/wiring/src/serve-definition.ts';
export const CLI_DOCS_FILE = 'docs/cli.md';

export function cliDocs(): string {
  return cliMarkdown(COMMANDS, CLI_DOCS_SOURCE);
}
