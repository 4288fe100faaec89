// Module boundaries: the project graph is a star around the contracts in core-constraints.
//   kind:contract      core-constraints: depends on nothing of ours
//   kind:support       small helpers every layer may import (confined task-folder file access, ...): the contracts only
//   kind:service       naming, resource-manager, cleanup: the contracts only
//   kind:backend-kit   code several backends share (the Docker-API client): the contracts only
//   kind:backend       one library per runtime: the contracts and backend kits, never another backend
//   kind:composition   engine: the contracts and services; backends reach it only by injection
//   kind:app           cli, api: anything but another app
//   kind:testing       backend-conformance: the shared suite, runs every backend through the engine
// Only projects tagged runtime:docker-api may import a container client.
const nx = require('@nx/eslint-plugin');

const containerClients = ['dockerode', 'docker-modem'];

module.exports = [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  { ignores: ['**/dist', '**/node_modules', '**/tmp', '**/*.cjs', '**/*.mjs', '**/*.js'] },
  {
    files: ['**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          banTransitiveDependencies: true,
          // The Markdown block reader the docs' example tests share (apps/cli, tools/packages): a test helper of no
          // project, so that an app and a tooling project can both use it.
          allow: ['/lib/markdown-blocks$'],
          checkDynamicDependenciesExceptions: [],
          depConstraints: [
            { sourceTag: 'kind:contract', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'kind:support', onlyDependOnLibsWithTags: ['kind:contract'] },
            { sourceTag: 'kind:service', onlyDependOnLibsWithTags: ['kind:contract', 'kind:support'] },
            { sourceTag: 'kind:backend-kit', onlyDependOnLibsWithTags: ['kind:contract', 'kind:support'] },
            { sourceTag: 'kind:backend', onlyDependOnLibsWithTags: ['kind:contract', 'kind:support', 'kind:backend-kit'] },
            { sourceTag: 'kind:composition', onlyDependOnLibsWithTags: ['kind:contract', 'kind:support', 'kind:service'] },
            // A durable store of one protocol's records (the TES task store): the contracts and that protocol's model kit.
            { sourceTag: 'kind:store', onlyDependOnLibsWithTags: ['kind:contract', 'kind:support', 'kind:backend-kit'] },
            // A protocol server over the engine (the TES server): composes the engine, a store, transfer and a model kit.
            {
              sourceTag: 'kind:server',
              onlyDependOnLibsWithTags: ['kind:contract', 'kind:support', 'kind:service', 'kind:backend-kit', 'kind:composition', 'kind:store'],
            },
            // The one place that knows every shipped backend: their config sections and registrations, shared by the apps.
            {
              sourceTag: 'kind:assembly',
              onlyDependOnLibsWithTags: ['kind:contract', 'kind:support', 'kind:service', 'kind:backend', 'kind:backend-kit', 'kind:composition', 'kind:store', 'kind:server'],
            },
            {
              sourceTag: 'kind:app',
              onlyDependOnLibsWithTags: ['kind:contract', 'kind:support', 'kind:service', 'kind:backend', 'kind:backend-kit', 'kind:composition', 'kind:store', 'kind:server', 'kind:assembly'],
            },
            { sourceTag: 'kind:contract', bannedExternalImports: containerClients },
            { sourceTag: 'kind:support', bannedExternalImports: containerClients },
            { sourceTag: 'kind:service', bannedExternalImports: containerClients },
            { sourceTag: 'kind:composition', bannedExternalImports: containerClients },
            { sourceTag: 'kind:store', bannedExternalImports: containerClients },
            { sourceTag: 'kind:server', bannedExternalImports: containerClients },
            { sourceTag: 'kind:assembly', bannedExternalImports: containerClients },
            { sourceTag: 'kind:tooling', onlyDependOnLibsWithTags: [] },
            // The conformance kit drives any backend through the real engine; backends never import it.
            {
              sourceTag: 'kind:testing',
              onlyDependOnLibsWithTags: ['kind:contract', 'kind:support', 'kind:service', 'kind:backend', 'kind:backend-kit', 'kind:composition'],
            },
            { sourceTag: 'kind:app', bannedExternalImports: containerClients },
            { sourceTag: 'runtime:none', bannedExternalImports: containerClients },
          ],
        },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': 'off',
    },
  },
  {
    // A library's entry points list what they export: `export *` would publish every helper a module gains later.
    files: ['libs/*/src/index.ts', 'libs/*/src/internal.ts', 'libs/*/src/internal-options.ts', 'libs/*/src/plugin.ts'],
    rules: {
      'no-restricted-syntax': ['error', { selector: 'ExportAllDeclaration', message: 'entry points export named symbols only (see docs/decisions.md, "A public surface per library")' }],
    },
  },
  {
    // @capstan/<name>/internal entry points are for Capstan's own projects; the example stands for a third party.
    files: ['examples/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['@capstan/*/internal', '@capstan/*/internal-*'], message: 'internal entry points are first-party only; use the package\'s public entry point (its index.ts, reviewed in its api/*.api.md)' }] },
      ],
    },
  },
];
