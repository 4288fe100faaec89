import 'reflect-metadata';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { workspaceRoot } from '../testing/cli-harness';
import { CLI_DOCS_FILE, cliDocs } from './cli-docs';
import { COMMANDS } from '../commands/definitions';

describe('docs/cli.md', () => {
  it('is what the command definitions generate (run "npx nx run cli:docs" after changing a flag)', async () => {
    const committed = await readFile(join(workspaceRoot, CLI_DOCS_FILE), 'utf8');
    expect(committed).toBe(cliDocs());
  });

  it('documents every flag of every command', () => {
    const docs = cliDocs();
    for (const spec of COMMANDS) {
      expect(docs).toContain(`## capstan ${spec.name}\n`);
      for (const name of Object.keys(spec.flags)) expect(docs).toMatch(new RegExp(`\\| \`(-\\w, )?--${name}( [^\`]+)?\` \\|`));
    }
  });
});
