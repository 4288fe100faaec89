import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';

// The star shape of the project graph is a rule of the lint config; these cases prove the rule bites, by linting
// source text as if it stood in a given project.
const root = resolve(__dirname, '..', '..', '..');

interface LintMessage {
  ruleId: string | null;
  message: string;
}

// ESLint runs as its own process (as `nx lint` runs it): its config loader needs real dynamic import, which jest's
// module sandbox does not give.
function boundaryErrors(file: string, source: string, rule = '@nx/enforce-module-boundaries'): string[] {
  const eslint = spawnSync(process.execPath, [join(root, 'node_modules', 'eslint', 'bin', 'eslint.js'), '--stdin', '--stdin-filename', join(root, file), '--format', 'json'], {
    cwd: root,
    input: source,
    encoding: 'utf8',
  });
  const results = JSON.parse(eslint.stdout) as Array<{ messages: LintMessage[] }>;
  return (results[0]?.messages ?? []).filter((message) => message.ruleId === rule).map((message) => message.message);
}

describe('module boundaries (lint)', () => {
  jest.setTimeout(60_000);

  it.each([
    ['a backend importing another plugin', 'libs/local-runner/src/probe.ts', "import { NameGenerator } from '@capstan/naming';\nexport const n = NameGenerator;\n"],
    ['a service importing a service', 'libs/naming/src/probe.ts', "import { ResourceLedger } from '@capstan/resource-manager';\nexport const l = ResourceLedger;\n"],
    ['the contracts importing anything of ours', 'libs/core-constraints/src/probe.ts', "import { NameGenerator } from '@capstan/naming';\nexport const n = NameGenerator;\n"],
    ['the engine importing a backend', 'libs/engine/src/probe.ts', "import { LocalBackend } from '@capstan/local-runner';\nexport const b = LocalBackend;\n"],
    ['a library importing an app', 'libs/engine/src/probe.ts', "import { main } from '../../../apps/cli/src/main';\nexport const m = main;\n"],
    ['the engine importing a container client', 'libs/engine/src/probe.ts', "import Docker from 'dockerode';\nexport const d = Docker;\n"],
    ['an app importing a container client', 'apps/cli/src/probe.ts', "import Docker from 'dockerode';\nexport const d = Docker;\n"],
    ['the TES server importing a backend', 'libs/tes-server/src/probe.ts', "import { DockerBackend } from '@capstan/docker-runner';\nexport const b = DockerBackend;\n"],
    ['the TES store importing the engine', 'libs/tes-store/src/probe.ts', "import { TaskEngine } from '@capstan/engine';\nexport const e = TaskEngine;\n"],
    ['the engine importing a backend kit through its internal entry point', 'libs/engine/src/probe.ts', "import { probeDaemon } from '@capstan/docker-api/internal';\nexport const p = probeDaemon;\n"],
    ['the support library importing a service', 'libs/support/src/probe.ts', "import { NameGenerator } from '@capstan/naming';\nexport const n = NameGenerator;\n"],
    ['the support library importing a container client', 'libs/support/src/probe.ts', "import Docker from 'dockerode';\nexport const d = Docker;\n"],
    ['the engine importing a backend through its plugin entry point', 'libs/engine/src/probe.ts', "import { localBackendPlugin } from '@capstan/local-runner/plugin';\nexport const p = localBackendPlugin;\n"],
    ['a deep import past a public entry point', 'apps/cli/src/probe.ts', "import { parseSize } from '@capstan/core-constraints/src/units/size';\nexport const p = parseSize;\n"],
  ])('rejects %s', (_case, file, source) => {
    expect(boundaryErrors(file, source)).not.toEqual([]);
  });

  it.each([
    ['a backend importing the contracts and a backend kit', 'libs/local-runner/src/probe.ts', "import { CapstanError } from '@capstan/core-constraints';\nimport { runProcessGroup } from '@capstan/process-kit';\nexport const x = [CapstanError, runProcessGroup];\n"],
    ['the engine importing services', 'libs/engine/src/probe.ts', "import { NameGenerator } from '@capstan/naming';\nexport const n = NameGenerator;\n"],
    ['an app importing backends and the engine', 'apps/cli/src/probe.ts', "import { LocalBackend } from '@capstan/local-runner';\nimport { TaskEngine } from '@capstan/engine';\nexport const x = [LocalBackend, TaskEngine];\n"],
    ['the TES server importing the engine, the store and the model', 'libs/tes-server/src/probe.ts', "import { TaskEngine } from '@capstan/engine';\nimport { TesTaskStore } from '@capstan/tes-store';\nimport { taskView } from '@capstan/tes-model';\nexport const x = [TaskEngine, TesTaskStore, taskView];\n"],
    ['a backend importing its backend kit through its internal entry point', 'libs/docker-runner/src/probe.ts', "import { probeDaemon } from '@capstan/docker-api/internal';\nexport const p = probeDaemon;\n"],
    ['a backend importing the support library and its testing entry point', 'libs/slurm-runner/src/probe.ts', "import { retry } from '@capstan/support';\nimport { until } from '@capstan/support/testing';\nexport const x = [retry, until];\n"],
    ['the Docker-API kit importing the support library', 'libs/docker-api/src/probe.ts', "import { shellQuote } from '@capstan/support';\nexport const x = shellQuote;\n"],
    // As wiring does (libs/wiring/src/backends.ts): at first use, by a dynamic import of the plugin entry point.
    ['wiring importing a backend through its plugin entry point', 'libs/wiring/src/probe.ts', "export const p = async () => (await import('@capstan/docker-runner/plugin')).dockerBackendPlugin;\n"],
    ['a backend importing its backend kit\'s option schemas', 'libs/podman-runner/src/probe.ts', "import { engineApiOptionsShape } from '@capstan/docker-api/internal-options';\nexport const s = engineApiOptionsShape;\n"],
    ['naming importing the support library', 'libs/naming/src/probe.ts', "import { CapstanLabel } from '@capstan/support';\nexport const x = CapstanLabel;\n"],
  ])('allows %s', (_case, file, source) => {
    expect(boundaryErrors(file, source)).toEqual([]);
  });

  // Internal entry points carry no stability promise: a third party's code (the example stands for one) may not use them.
  it('rejects a third party importing an internal entry point', () => {
    const source = "import { probeDaemon } from '@capstan/docker-api/internal';\nexport const p = probeDaemon;\n";
    expect(boundaryErrors('examples/custom-backend/probe.ts', source, 'no-restricted-imports')).toEqual([expect.stringContaining('first-party only')]);
    expect(boundaryErrors('examples/custom-backend/probe.ts', "import { DockerBackend } from '@capstan/docker-runner';\nexport const b = DockerBackend;\n", 'no-restricted-imports')).toEqual([]);
    const options = "import { engineApiOptionsShape } from '@capstan/docker-api/internal-options';\nexport const s = engineApiOptionsShape;\n";
    expect(boundaryErrors('examples/custom-backend/probe.ts', options, 'no-restricted-imports')).toEqual([expect.stringContaining('first-party only')]);
    const plugin = "import { dockerBackendPlugin } from '@capstan/docker-runner/plugin';\nexport const p = dockerBackendPlugin;\n";
    expect(boundaryErrors('examples/custom-backend/probe.ts', plugin, 'no-restricted-imports')).toEqual([]);
  });

  it('rejects `export *` in an entry point, and allows it elsewhere in a library', () => {
    const source = "export * from './names';\n";
    expect(boundaryErrors('libs/naming/src/index.ts', source, 'no-restricted-syntax')).toEqual([expect.stringContaining('named symbols only')]);
    expect(boundaryErrors('libs/docker-api/src/internal.ts', source, 'no-restricted-syntax')).toEqual([expect.stringContaining('named symbols only')]);
    expect(boundaryErrors('libs/docker-runner/src/plugin.ts', source, 'no-restricted-syntax')).toEqual([expect.stringContaining('named symbols only')]);
    expect(boundaryErrors('libs/naming/src/names/barrel.ts', source, 'no-restricted-syntax')).toEqual([]);
  });
});
