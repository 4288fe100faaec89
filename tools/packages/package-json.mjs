#!/usr/bin/env node
// Writes (default) or checks (--check) every project's package.json from its real imports.
//   node tools/packages/package-json.mjs [--check] [--root DIR]
// --check exits 1 and names each field that is out of date, and the command that fixes it.
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { currentPackageJson, describeDrift, expectedPackageJson, listProjects } from './projects.mjs';

const args = process.argv.slice(2);
const check = args.includes('--check');
const rootIndex = args.indexOf('--root');
const root = rootIndex >= 0 ? resolve(args[rootIndex + 1]) : resolve(fileURLToPath(import.meta.url), '../../..');

const projects = listProjects(root);
const drift = [];
try {
  for (const project of projects) {
    const expected = await expectedPackageJson(root, project, projects);
    if (check) drift.push(...describeDrift(project, currentPackageJson(root, project), expected));
    else writeFileSync(join(root, project.dir, 'package.json'), JSON.stringify(expected, null, 2) + '\n');
  }
} catch (error) {
  console.error(`capstan packages: ${error.message}`);
  process.exit(1);
}
if (drift.length > 0) {
  console.error(drift.join('\n'));
  console.error(`capstan packages: ${drift.length} out of date; run: node tools/packages/package-json.mjs`);
  process.exit(1);
}
console.log(`capstan packages: ${projects.length} package.json files ${check ? 'up to date' : 'written'}`);
