import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI_DOCS_FILE, cliDocs } from './cli-docs';

// `npx nx run cli:docs`: writes docs/cli.md from the command definitions (run from the workspace root).
const file = join(process.cwd(), CLI_DOCS_FILE);
writeFileSync(file, cliDocs());
console.log(`wrote ${file}`);
