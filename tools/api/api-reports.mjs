// Checks (default) or updates (--update) the API report of every library, libs/<name>/api/<name>.api.md, with API
// Extractor. One node process: one TypeScript program emits the declarations of every library into a temp folder,
// and one compiler state serves every library's extractor run, so the cost is one compile, not one per library.
// Reports describe index.ts only: internal.ts is first-party and carries no stability promise.
import { CompilerState, Extractor, ExtractorConfig, ExtractorLogLevel } from '@microsoft/api-extractor';
import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

// --root=<folder> points at another workspace of the same layout (the check's own tests use a scratch one).
const rootArg = process.argv.find((arg) => arg.startsWith('--root='));
const root = rootArg ? resolve(rootArg.slice('--root='.length)) : join(dirname(fileURLToPath(import.meta.url)), '../..');
const update = process.argv.includes('--update');
const only = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const UPDATE_COMMAND = 'npm run api:update';
const dtsRoot = join(root, 'tmp/api-dts');
const started = performance.now();

const libs = readdirSync(join(root, 'libs')).filter((name) => existsSync(join(root, 'libs', name, 'src/index.ts')));
const selected = only.length > 0 ? only : libs;
const unknown = selected.filter((name) => !libs.includes(name));
if (unknown.length > 0) fail(`unknown library ${unknown.join(', ')}; known: ${libs.join(', ')}`);

emitDeclarations();
const entryOf = (name) => join(dtsRoot, 'libs', name, 'src/index.d.ts');
// Other libraries stay imports in a report (`import { Task } from '@capstan/core-constraints'`), as in a monorepo of
// linked packages: node_modules/@capstan/<name> links to the emitted declarations, so TypeScript marks the import
// external; a path alias would make API Extractor count another library's types as this one's forgotten exports.
mkdirSync(join(dtsRoot, 'node_modules/@capstan'), { recursive: true });
for (const name of libs) {
  writeFileSync(join(dtsRoot, 'libs', name, 'package.json'), JSON.stringify({ name: `@capstan/${name}`, version: '0.0.0', types: 'src/index.d.ts' }));
  symlinkSync(join('../../libs', name), join(dtsRoot, 'node_modules/@capstan', name));
}

let changed = [];
let errors = 0;
let forgotten = 0;
let compilerState;
for (const name of selected) {
  const config = ExtractorConfig.prepare({
    configObject: {
      projectFolder: join(root, 'libs', name),
      mainEntryPointFilePath: entryOf(name),
      compiler: {
        overrideTsconfig: {
          compilerOptions: { target: 'ES2024', lib: ['ES2024'], module: 'ESNext', moduleResolution: 'bundler', types: ['node'], strict: true, skipLibCheck: true, experimentalDecorators: true },
          files: [entryOf(name)],
        },
      },
      apiReport: { enabled: true, reportFileName: name, reportFolder: join(root, 'libs', name, 'api'), reportTempFolder: join(root, 'tmp/api-report', name) },
      docModel: { enabled: false },
      dtsRollup: { enabled: false },
      tsdocMetadata: { enabled: false },
      messages: {
        compilerMessageReporting: { default: { logLevel: 'error' } },
        extractorMessageReporting: {
          default: { logLevel: 'error' },
          // Capstan marks no release tags (@public, @beta): a library's index.ts is its public surface.
          'ae-missing-release-tag': { logLevel: 'none' },
          // Reports review signatures; doc comments are not API (and say why, not what, so they are sparse).
          'ae-undocumented': { logLevel: 'none' },
          'ae-unresolved-link': { logLevel: 'none' },
          // A type a public signature uses but index.ts does not export: a user can hold it but not name it, and
          // it could change unseen. An error (check and update alike), counted below with its own fix.
          'ae-forgotten-export': { logLevel: 'error', addToApiReportFile: false },
        },
        tsdocMessageReporting: { default: { logLevel: 'none' } },
      },
    },
    configObjectFullPath: undefined,
    // API Extractor needs a package folder: the emitted one, with a stub package.json (name and types only).
    packageJsonFullPath: join(dtsRoot, 'libs', name, 'package.json'),
  });
  if (update) mkdirSync(join(root, 'libs', name, 'api'), { recursive: true });
  compilerState ??= CompilerState.create(config, { additionalEntryPoints: selected.map(entryOf) });
  const result = Extractor.invoke(config, {
    localBuild: update,
    compilerState,
    showVerboseMessages: false,
    messageCallback(message) {
      // console-* messages narrate the run (report created, copied); the summary below says what matters.
      if (!message.messageId.startsWith('console-') && (message.logLevel === ExtractorLogLevel.Error || message.logLevel === ExtractorLogLevel.Warning)) {
        console.error(`capstan: api: ${name}: ${message.formatMessageWithLocation(root)}`);
        errors += 1;
        if (message.messageId === 'ae-forgotten-export') forgotten += 1;
      }
      // The summary below says it once for all libraries.
      message.handled = true;
    },
  });
  if (result.apiReportChanged) changed.push(name);
}

const seconds = ((performance.now() - started) / 1000).toFixed(1);
if (forgotten > 0) {
  fail(
    `${forgotten} type(s) above are used by a public signature but not exported by the library's src/index.ts (ae-forgotten-export).\n` +
      `  Export each by name from src/index.ts if it is part of the contract, or change the signature so it no longer uses it.`,
  );
}
if (errors > 0) fail(`${errors} API Extractor error(s) above`);
if (update) {
  console.log(`capstan: api: ${changed.length > 0 ? `updated ${changed.map(reportOf).join(', ')}` : 'every report is up to date'} (${selected.length} libraries, ${seconds} s)`);
} else if (changed.length > 0) {
  fail(
    `the public API of ${changed.join(', ')} differs from its checked-in report (${changed.map(reportOf).join(', ')}).\n` +
      `  If the change is meant, run \`${UPDATE_COMMAND}\` and commit the reports; the new report is in tmp/api-report/.\n` +
      `  If not, export the symbol from src/internal.ts (first-party only) instead of src/index.ts.`,
  );
} else {
  console.log(`capstan: api: ${selected.length} API reports match (${seconds} s)`);
}

function reportOf(name) {
  return `libs/${name}/api/${name}.api.md`;
}

function emitDeclarations() {
  rmSync(dtsRoot, { recursive: true, force: true });
  mkdirSync(dtsRoot, { recursive: true });
  const base = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.base.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => fail(flatten(d)) });
  const options = { ...base.options, declaration: true, emitDeclarationOnly: true, noEmit: false, sourceMap: false, declarationMap: false, rootDir: root, outDir: dtsRoot, types: ['node'] };
  const program = ts.createProgram(libs.map((name) => join(root, 'libs', name, 'src/index.ts')), options);
  const emitted = program.emit(undefined, undefined, undefined, true);
  const problems = [...program.getSyntacticDiagnostics(), ...emitted.diagnostics].filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (problems.length > 0) fail(`the declarations do not emit:\n${problems.map((d) => `  ${d.file ? relative(root, d.file.fileName) + ': ' : ''}${flatten(d)}`).join('\n')}`);
}

function flatten(diagnostic) {
  return ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
}

function fail(message) {
  console.error(`capstan: api: ${message}`);
  process.exit(1);
}
