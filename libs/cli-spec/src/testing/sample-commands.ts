import { type CommandSpec, HELP_FLAG } from '../spec';

/** Two small commands the unit tests generate parsers, help, completions and docs from. */
export const SAMPLE_RUN = {
  name: 'run',
  summary: 'run a thing',
  usage: ['run <file>... [options]', 'run [--image IMAGE] -- COMMAND'],
  description: 'Runs things.',
  positionals: 'file',
  flags: {
    image: { type: 'string', value: 'IMAGE', help: 'the image | a pipe', group: 'Quick form' },
    retries: { type: 'string', value: 'N', help: 'retries', group: 'Quick form' },
    env: { type: 'string', value: 'K=V', multiple: true, help: 'a variable', group: 'Quick form' },
    backend: { type: 'string', value: 'NAME', help: 'where it runs', choices: ['docker', 'podman'], shownDefault: 'auto', configKey: 'backend' },
    config: { type: 'string', value: 'FILE', help: 'configuration file' },
    'work-root': { type: 'string', value: 'DIR', help: 'where runs go', configKey: 'workRoot' },
    timeout: { type: 'string', value: 'SECONDS', help: 'a limit', configKey: 'timeoutSeconds', number: true },
    'no-auth': { type: 'boolean', help: 'no auth', configKey: 'api.auth.disabled' },
    'older-than': { type: 'string', value: 'AGE', help: 'age', default: '7d' },
    help: HELP_FLAG,
  },
} as const satisfies CommandSpec;

export const SAMPLE_STATUS = {
  name: 'status',
  summary: 'say how things are',
  usage: ['status'],
  description: 'Says how things are.',
  flags: { json: { type: 'boolean', help: 'as JSON' }, help: HELP_FLAG },
} as const satisfies CommandSpec;

export const SAMPLES: readonly CommandSpec[] = [SAMPLE_RUN, SAMPLE_STATUS];
