import { CapstanError, ErrorCode } from '@capstan/core-constraints';
import { dockerErrorInfo } from './docker-error';
import { NO_DAEMON } from './transient-errors';

/** How the daemon is named in messages, and how to start it; Podman's backend gives its own. */
export interface DaemonDescription {
  /** e.g. "Docker". */
  readonly name: string;
  /** Commands that start one, e.g. `dockerd &`. */
  readonly startHints: readonly string[];
  /** The engine's command-line tool, named in hints (`docker login`, `docker rm`); default `docker`. */
  readonly cli?: string;
  /** What to do when the socket refuses this user (EACCES); default: join the docker group. */
  readonly permissionHint?: string;
  /** The variable that names the address, in hints; default `DOCKER_HOST`. */
  readonly hostVariable?: string;
  /**
   * The engine also serves Podman's own (libpod) API. Its container wait answers within ~50 ms of the exit, where
   * Podman 4.3's Docker-compatible wait took 50 ms to over 1 s (tools/benchmarks/podman-overhead.bench.ts).
   */
  readonly libpod?: boolean;
}

export const DOCKER_DAEMON: DaemonDescription = {
  name: 'Docker',
  startHints: ['`dockerd &` (as root)', '`systemctl start docker`', '`bash tools/engines/docker.sh` (in Capstan\'s repository)'],
};

/** Socket errors that mean no daemon can be reached at the address (as opposed to one that answered badly). */
export function isDaemonUnreachable(error: unknown): boolean {
  const { statusCode, code } = dockerErrorInfo(error);
  return statusCode === undefined && code !== undefined && (NO_DAEMON.has(code) || code === 'EACCES' || code === 'ENOTSOCK' || code === 'EHOSTUNREACH');
}

/** The typed error for "no daemon answers": names the address tried, what the socket said, and how to start one. */
export function daemonUnavailableError(endpoint: string, error: unknown, daemon: DaemonDescription = DOCKER_DAEMON): CapstanError {
  const { code, message } = dockerErrorInfo(error);
  const fix =
    code === 'EACCES'
      ? (daemon.permissionHint ?? `run Capstan as a user allowed to use the socket (e.g. a member of the docker group), or point the backend at a socket you can use`)
      : `start one with ${daemon.startHints.join(', or ')}; or point ${daemon.hostVariable ?? 'DOCKER_HOST'} or the backend's socketPath/host option at a running daemon`;
  return new CapstanError(ErrorCode.BackendUnavailable, `no ${daemon.name} daemon answers at ${endpoint} (${message}); ${fix}`, {
    cause: error,
    details: { endpoint, code },
  });
}
