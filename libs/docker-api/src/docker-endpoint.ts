import { CapstanError, ErrorCode } from '@capstan/core-constraints';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where the daemon listens, when nothing says otherwise. */
export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

/**
 * How an engine's address is found when no option gives it: the variable naming it (Docker's `DOCKER_HOST`, Podman's
 * `CONTAINER_HOST`), the socket used when that is unset, and whether `DOCKER_TLS_VERIFY` applies to tcp addresses.
 */
export interface EndpointDefaults {
  readonly hostVariable: string;
  readonly defaultSocket: string;
  /** Read `DOCKER_TLS_VERIFY` / `DOCKER_CERT_PATH` for `tcp://` (Docker); false: always plain tcp (Podman's service). */
  readonly tlsFromEnvironment: boolean;
  /** How the `host` option is named in errors, e.g. "the docker host option". */
  readonly hostOptionName: string;
}

export const DOCKER_ENDPOINT_DEFAULTS: EndpointDefaults = {
  hostVariable: 'DOCKER_HOST',
  defaultSocket: DEFAULT_DOCKER_SOCKET,
  tlsFromEnvironment: true,
  hostOptionName: 'the docker host option',
};

export interface DockerConnectionOptions {
  /** `unix:///path/to.sock` or `tcp://host:port`; default `DOCKER_HOST`, else {@link DEFAULT_DOCKER_SOCKET}. */
  readonly host?: string | undefined;
  /** A unix socket path; wins over `host` and `DOCKER_HOST`. */
  readonly socketPath?: string | undefined;
}

export interface TlsFiles {
  readonly ca: Buffer;
  readonly cert: Buffer;
  readonly key: Buffer;
}

/** A daemon address, resolved from the options and the environment. `description` is what messages show. */
export type DockerEndpoint =
  | { readonly kind: 'unix'; readonly socketPath: string; readonly description: string }
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number; readonly tls: TlsFiles | null; readonly description: string };

/**
 * Picks the daemon address: an explicit `socketPath`, then `host`, then `DOCKER_HOST`, then the default socket.
 * `tcp://` uses TLS when `DOCKER_TLS_VERIFY` is set, with `ca.pem`, `cert.pem` and `key.pem` from `DOCKER_CERT_PATH`
 * (default `~/.docker`), as the docker CLI does. Another engine gives its own variable and default socket in
 * `defaults` (Podman: `CONTAINER_HOST`, `/run/podman/podman.sock`).
 */
export function resolveDockerEndpoint(
  options: DockerConnectionOptions = {},
  env: NodeJS.ProcessEnv = process.env,
  defaults: EndpointDefaults = DOCKER_ENDPOINT_DEFAULTS,
): DockerEndpoint {
  if (options.socketPath !== undefined) return unixEndpoint(options.socketPath);
  const fromEnv = env[defaults.hostVariable];
  const host = options.host ?? (fromEnv === '' ? undefined : fromEnv);
  if (host === undefined) return unixEndpoint(defaults.defaultSocket);
  const origin = options.host === undefined ? defaults.hostVariable : defaults.hostOptionName;
  const socketName = defaults.defaultSocket.slice(defaults.defaultSocket.lastIndexOf('/') + 1);
  const match = /^([a-z]+):\/\/(.*)$/.exec(host);
  if (match?.[1] === 'unix' && match[2] !== undefined && match[2].startsWith('/')) return unixEndpoint(match[2]);
  if (match?.[1] === 'tcp' && match[2] !== undefined) {
    const address = /^([^:/]+|\[[0-9a-fA-F:]+\]):([0-9]{1,5})\/?$/.exec(match[2]);
    if (address?.[1] !== undefined && address[2] !== undefined) {
      const tlsVerify =
        defaults.tlsFromEnvironment && env['DOCKER_TLS_VERIFY'] !== undefined && env['DOCKER_TLS_VERIFY'] !== '' && env['DOCKER_TLS_VERIFY'] !== '0';
      const hostName = address[1].replace(/^\[|\]$/g, '');
      return {
        kind: 'tcp',
        host: hostName,
        port: Number(address[2]),
        tls: tlsVerify ? readTlsFiles(env['DOCKER_CERT_PATH'] ?? join(homedir(), '.docker')) : null,
        description: `${tlsVerify ? 'https' : 'tcp'}://${address[1]}:${address[2]}`,
      };
    }
  }
  throw new CapstanError(
    ErrorCode.InvalidConfig,
    `${origin} is "${host}"; write unix:///path/to/${socketName} or tcp://host:port (ssh:// and npipe:// are not supported)`,
    { path: options.host === undefined ? null : 'host', details: { value: host } },
  );
}

function unixEndpoint(socketPath: string): DockerEndpoint {
  return { kind: 'unix', socketPath, description: `unix://${socketPath}` };
}

function readTlsFiles(folder: string): TlsFiles {
  try {
    return { ca: readFileSync(join(folder, 'ca.pem')), cert: readFileSync(join(folder, 'cert.pem')), key: readFileSync(join(folder, 'key.pem')) };
  } catch (error) {
    throw new CapstanError(
      ErrorCode.InvalidConfig,
      `DOCKER_TLS_VERIFY is set but the TLS files cannot be read from ${folder} (${(error as Error).message}); set DOCKER_CERT_PATH to the folder holding ca.pem, cert.pem and key.pem`,
      { cause: error },
    );
  }
}
