import { CapstanError } from '@capstan/core-constraints';
import { configFlags, helpText, parseCommand } from '@capstan/cli-spec';
import { ExitCode, exitCodeFor } from '@capstan/support';
import { BufferedLines } from './buffered-lines';
import { SERVE_COMMAND } from './serve-definition';
import { startTesServer } from './start-tes-server';

export interface ServeIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** `capstan serve` / `capstan-api`: parses the flags, starts the server, stops on SIGINT or SIGTERM. Returns an exit code. */
export async function serveCommand(argv: readonly string[], io: ServeIo, signals: NodeJS.EventEmitter = process): Promise<number> {
  let parsed;
  try {
    const { values } = parseCommand(SERVE_COMMAND, argv);
    parsed = { values, flags: configFlags(SERVE_COMMAND, values) };
  } catch (error) {
    io.stderr(`capstan serve: ${(error as Error).message}\n`);
    return ExitCode.Usage;
  }
  const { values, flags } = parsed;
  if (values.help === true) {
    io.stdout(`${helpText(SERVE_COMMAND)}\n`);
    return ExitCode.Ok;
  }
  let server;
  const log = new BufferedLines(io.stdout);
  try {
    server = await startTesServer({ flags, ...(values.config === undefined ? {} : { configFile: values.config }), logStream: log });
  } catch (error) {
    log.flush();
    const advice = startupAdvice(error, flags);
    if (advice !== undefined) {
      io.stderr(`capstan serve: ${advice.message}\n`);
      return advice.exitCode;
    }
    if (error instanceof CapstanError) {
      io.stderr(`capstan serve: ${error.path ? `${error.path}: ` : ''}${error.message}\n`);
      return exitCodeFor(error);
    }
    io.stderr(`capstan serve: ${error instanceof Error ? error.message : String(error)}\n`);
    return ExitCode.Internal;
  }
  io.stderr(`Capstan TES server on ${server.url} (backend ${server.backend}); dashboard at ${new URL('/', server.url).href}, docs at ${server.url}/docs\n`);
  const running = server;
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      STOP_SIGNALS.forEach((signal) => signals.off(signal, stop));
      resolve();
    };
    // SIGHUP (the terminal that started it closed) stops it like SIGTERM, rather than killing it on the spot.
    STOP_SIGNALS.forEach((signal) => signals.on(signal, stop));
  });
  io.stderr('stopping: no new tasks; running tasks stay in their containers and are taken up by the next start\n');
  await running.close();
  log.flush();
  return ExitCode.Ok;
}

/**
 * The start-up failures a user fixes with a flag, told in the flags' words: a port in use, no token. The server's
 * own messages name config keys (auth.tokens), which someone at a command line did not write.
 */
export function startupAdvice(error: unknown, flags: Readonly<Record<string, unknown>>): { message: string; exitCode: ExitCode } | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  // The listen error names the address it tried, whichever of flag, variable or file set it.
  const tried = error as { address?: string; port?: number } | undefined;
  const where = `${tried?.address ?? String(flags['api.host'] ?? 'the configured host')} port ${String(tried?.port ?? flags['api.port'] ?? 'the configured port')}`;
  if (code === 'EADDRINUSE') {
    return { message: `${where} is in use (another capstan serve?); choose another with --port N, or --port 0 to take a free one`, exitCode: ExitCode.Unavailable };
  }
  if (code === 'EACCES') return { message: `${where} needs privileges this user lacks; choose a port above 1023 with --port N`, exitCode: ExitCode.Unavailable };
  if (code === 'EADDRNOTAVAIL') return { message: `${where}: no interface of this machine has that address; give one of its addresses with --host, e.g. --host 127.0.0.1`, exitCode: ExitCode.Unavailable };
  if (error instanceof CapstanError && error.path === 'auth.tokens' && /\bis (missing|empty); give at least one bearer token/.test(error.message)) {
    return {
      message:
        'no token: clients must authenticate; give --token-file FILE (a YAML list of {name, token}, mode 0600; the safest), --token TOKEN or the variable CAPSTAN_API__AUTH__TOKEN (make one with: openssl rand -hex 32), or --no-auth to serve without authentication on a loopback host',
      exitCode: ExitCode.InvalidConfig,
    };
  }
  return undefined;
}
