import { type CommandSpec, HELP_FLAG } from '@capstan/cli-spec';

/** `capstan serve` / `capstan-api`: one definition for the parser, help, completions and docs/cli.md. */
export const SERVE_COMMAND = {
  name: 'serve',
  summary: 'run the GA4GH TES v1.1 server (HTTP API) on the configured backend',
  usage: ['serve [options]     (the same as: capstan-api [options])'],
  description: `Runs Capstan's GA4GH TES v1.1 server: POST /ga4gh/tes/v1/tasks runs tasks on the configured backend. Each option is
also settable in capstan.yaml under "api:", or as a CAPSTAN_API__... variable.

Dashboard: http://HOST:PORT/   API docs page: /ga4gh/tes/v1/docs   Metrics: /metrics
Stops on SIGINT/SIGTERM/SIGHUP; running tasks are taken up again (re-attached) by the next start with the same data
folder.`,
  flags: {
    host: { type: 'string', value: 'ADDRESS', help: 'address to listen on', shownDefault: '127.0.0.1', configKey: 'api.host' },
    port: { type: 'string', value: 'N', help: 'port (0 picks a free one)', shownDefault: '8000', configKey: 'api.port', number: true },
    'data-dir': { type: 'string', value: 'DIR', help: 'task database and task files', shownDefault: './capstan-tes', configKey: 'api.dataDir' },
    'token-file': {
      type: 'string',
      value: 'FILE',
      help: 'principals and their tokens: a YAML list of {name, token, admin?}, mode 0600; each principal sees and cancels only its own tasks, an admin all (the safest way)',
      configKey: 'api.auth.tokenFile',
    },
    token: {
      type: 'string',
      value: 'TOKEN',
      multiple: true,
      help: 'a bearer token clients must send (principals token-1, token-2, ...); visible in ps: prefer --token-file, or CAPSTAN_API__AUTH__TOKEN=<token> (principal "default")',
      configKey: 'api.auth.tokens',
    },
    'no-auth': { type: 'boolean', help: 'serve without authentication (only allowed on a loopback host; the Host header must name loopback too)', configKey: 'api.auth.disabled' },
    backend: {
      type: 'string',
      value: 'NAME',
      help: 'backend executors run on',
      choices: ['auto', 'docker', 'podman', 'apptainer', 'local', 'slurm', 'batch', 'tes'],
      shownDefault: 'auto',
      configKey: 'backend',
    },
    config: { type: 'string', value: 'FILE', help: 'configuration file', shownDefault: './capstan.yaml' },
    'allow-root': { type: 'string', value: 'DIR', multiple: true, help: 'a host folder file:// inputs and outputs may use', configKey: 'api.transfer.allowedRoots' },
    'run-client-commands-on-host': {
      type: 'boolean',
      help: "allow a backend without containers (local): every client's command then runs on this host as the server's user. Refused without this flag, and auto never picks local here.",
      configKey: 'api.runClientCommandsOnHost',
    },
    'allow-address': {
      type: 'string',
      value: 'CIDR',
      multiple: true,
      help: 'an internal address http(s) transfers may reach, e.g. 10.1.0.0/16 (loopback, link-local, private and unique-local addresses are refused by default)',
      configKey: 'api.transfer.allowAddresses',
    },
    help: HELP_FLAG,
  },
} as const satisfies CommandSpec;
