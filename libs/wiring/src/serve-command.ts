import { CapstanError, ErrorCode } from '@capstan/core-constraints';
import { parseArgs } from 'node:util';
import { BufferedLines } from './buffered-lines';
import { startTesServer } from './tes-server';

export const SERVE_USAGE = `Usage: capstan serve [options]     (the same as: capstan-api [options])

Runs Capstan's GA4GH TES v1.1 server: POST /ga4gh/tes/v1/tasks runs tasks on the configured backend.

Options (each also settable in capstan.yaml under "api:", or as CAPSTAN_API__... variables):
  --host ADDRESS        address to listen on (default 127.0.0.1)
  --port N              port (default 8000; 0 picks a free one)
  --data-dir DIR        task database and task files (default ./capstan-tes)
  --token-file FILE     principals and their tokens: a YAML list of {name, token, admin?}, mode 0600; each
                        principal sees and cancels only its own tasks, an admin all (the safest way)
  --token TOKEN         a bearer token clients must send (repeatable; principals token-1, token-2, ...); visible
                        in ps: prefer --token-file, or CAPSTAN_API__AUTH__TOKEN=<token> (principal "default")
  --no-auth             serve without authentication (only allowed on a loopback host; the Host header must
                        name loopback too)
  --backend NAME        backend executors run on (docker | podman | apptainer | local | slurm | tes | auto)
  --config FILE         configuration file (default ./capstan.yaml)
  --allow-root DIR      a host folder file:// inputs and outputs may use (repeatable)
  --run-client-commands-on-host
                        allow a backend without containers (local): every client's command then runs on this
                        host as the server's user. Refused without this flag, and auto never picks local here.
  --allow-address CIDR  an internal address http(s) transfers may reach, e.g. 10.1.0.0/16 (repeatable; loopback,
                        link-local, private and unique-local addresses are refused by default)

Docs page: http://HOST:PORT/ga4gh/tes/v1/docs   Metrics: /metrics   Stops on SIGINT/SIGTERM; running tasks are
taken up again (re-attached) by the next start with the same data folder.`;

export interface ServeIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/** `capstan serve` / `capstan-api`: parses the flags, starts the server, stops on SIGINT or SIGTERM. Returns an exit code. */
export async function serveCommand(argv: readonly string[], io: ServeIo, signals: NodeJS.EventEmitter = process): Promise<number> {
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        'data-dir': { type: 'string' },
        token: { type: 'string', multiple: true },
        'token-file': { type: 'string' },
        'no-auth': { type: 'boolean' },
        backend: { type: 'string' },
        config: { type: 'string' },
        'allow-root': { type: 'string', multiple: true },
        'run-client-commands-on-host': { type: 'boolean' },
        'allow-address': { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    io.stderr(`capstan serve: ${(error as Error).message}\n\n${SERVE_USAGE}\n`);
    return 64;
  }
  if (values['help'] === true) {
    io.stdout(`${SERVE_USAGE}\n`);
    return 0;
  }
  const flags: Record<string, unknown> = {
    backend: values['backend'],
    'api.host': values['host'],
    'api.port': values['port'] === undefined ? undefined : Number(values['port']),
    'api.dataDir': values['data-dir'],
    'api.auth.tokens': values['token'],
    'api.auth.tokenFile': values['token-file'],
    'api.auth.disabled': values['no-auth'] === true ? true : undefined,
    'api.transfer.allowedRoots': values['allow-root'],
    'api.runClientCommandsOnHost': values['run-client-commands-on-host'] === true ? true : undefined,
    'api.transfer.allowAddresses': values['allow-address'],
  };
  let server;
  const log = new BufferedLines(io.stdout);
  try {
    server = await startTesServer({ flags, ...(typeof values['config'] === 'string' ? { configFile: values['config'] } : {}), logStream: log });
  } catch (error) {
    log.flush();
    if (error instanceof CapstanError) {
      io.stderr(`capstan serve: ${error.path ? `${error.path}: ` : ''}${error.message}\n`);
      return error.code === ErrorCode.InvalidConfig || error.code === ErrorCode.InvalidValue ? 78 : error.code === ErrorCode.BackendUnavailable ? 69 : 70;
    }
    io.stderr(`capstan serve: ${error instanceof Error ? error.message : String(error)}\n`);
    return 70;
  }
  io.stderr(`Capstan TES server on ${server.url} (backend ${server.backend}); docs at ${server.url}/docs\n`);
  const running = server;
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      signals.off('SIGINT', stop);
      signals.off('SIGTERM', stop);
      resolve();
    };
    signals.on('SIGINT', stop);
    signals.on('SIGTERM', stop);
  });
  io.stderr('stopping: no new tasks; running tasks stay in their containers and are taken up by the next start\n');
  await running.close();
  log.flush();
  return 0;
}
