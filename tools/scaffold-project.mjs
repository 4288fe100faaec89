#!/usr/bin/env node
// Creates a library or app skeleton with the workspace's conventions:
//   node tools/scaffold-project.mjs lib NAME TAG[,TAG...]
//   node tools/scaffold-project.mjs app NAME TAG[,TAG...]
import { mkdirSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const [kind, name, tagList = ''] = process.argv.slice(2);
if (!['lib', 'app'].includes(kind) || !name) {
  console.error('usage: scaffold-project.mjs lib|app NAME TAGS');
  process.exit(2);
}
const root = join(kind === 'lib' ? 'libs' : 'apps', name);
if (existsSync(root)) {
  console.error(`${root} exists already`);
  process.exit(1);
}
const depth = '../../';
mkdirSync(join(root, 'src'), { recursive: true });
const project = {
  name,
  $schema: `${depth}node_modules/nx/schemas/project-schema.json`,
  sourceRoot: `${root}/src`,
  projectType: kind === 'lib' ? 'library' : 'application',
  tags: tagList.split(',').filter(Boolean),
  targets: { lint: {}, typecheck: {}, test: {} },
};
writeFileSync(join(root, 'project.json'), JSON.stringify(project, null, 2) + '\n');
writeFileSync(
  join(root, 'tsconfig.json'),
  JSON.stringify({ extends: `${depth}tsconfig.base.json`, compilerOptions: { types: ['node', 'jest'] }, include: ['src/**/*.ts'] }, null, 2) + '\n',
);
writeFileSync(
  join(root, 'jest.config.cjs'),
  `module.exports = {\n  displayName: '${name}',\n  preset: '${depth}jest.preset.js',\n  rootDir: __dirname,\n};\n`,
);
writeFileSync(join(root, 'src', kind === 'lib' ? 'index.ts' : 'main.ts'), '');
if (kind === 'lib') {
  const base = JSON.parse(readFileSync('tsconfig.base.json', 'utf8'));
  base.compilerOptions.paths[`@capstan/${name}`] = [`${root}/src/index.ts`];
  base.compilerOptions.paths = Object.fromEntries(Object.entries(base.compilerOptions.paths).sort());
  writeFileSync('tsconfig.base.json', JSON.stringify(base, null, 2) + '\n');
}
console.log(`created ${root}`);
