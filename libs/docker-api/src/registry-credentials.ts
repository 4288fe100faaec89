import { CapstanError, ErrorCode } from '@capstan/core-constraints';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { normaliseRegistryHost, parseImageReference } from './image-reference';

export interface RegistryLogin {
  readonly username: string;
  readonly password: string;
}

/** The auth object the daemon takes in `X-Registry-Auth`. */
export interface RegistryAuth {
  readonly username?: string;
  readonly password?: string;
  readonly identitytoken?: string;
  readonly serveraddress: string;
}

interface DockerConfigFile {
  auths?: Record<string, { auth?: unknown; username?: unknown; password?: unknown; identitytoken?: unknown }>;
}

/**
 * Registry credentials: those given in options (`{ 'host:port': { username, password } }`) win over the `auths`
 * of the docker CLI's config.json (`$DOCKER_CONFIG/config.json`, default `~/.docker/config.json`), where each entry
 * holds a base64 `auth` ("user:password"), or `username` and `password`, or an `identitytoken`. Credential helpers
 * (`credsStore`, `credHelpers`) are not run.
 */
export class RegistryCredentials {
  private readonly byRegistry = new Map<string, RegistryAuth>();

  constructor(fromOptions: Readonly<Record<string, RegistryLogin>> = {}, fromConfig: ReadonlyMap<string, RegistryAuth> = new Map()) {
    for (const [registry, auth] of fromConfig) this.byRegistry.set(registry, auth);
    for (const [server, login] of Object.entries(fromOptions)) {
      const registry = normaliseRegistryHost(server);
      this.byRegistry.set(registry, { username: login.username, password: login.password, serveraddress: registry });
    }
  }

  /**
   * Options first, then `authFiles` in order (an engine's own, e.g. Podman's `auth.json`, same format), then the docker
   * CLI's config file. Absent files are fine; unreadable JSON is an error.
   */
  static load(fromOptions: Readonly<Record<string, RegistryLogin>> = {}, env: NodeJS.ProcessEnv = process.env, authFiles: readonly string[] = []): RegistryCredentials {
    const merged = readDockerConfigAuths(env);
    for (const file of [...authFiles].reverse()) for (const [registry, auth] of readAuthFile(file)) merged.set(registry, auth);
    return new RegistryCredentials(fromOptions, merged);
  }

  /** The credentials for the registry of `reference`, or undefined to pull anonymously. */
  forImage(reference: string): RegistryAuth | undefined {
    return this.byRegistry.get(parseImageReference(reference).registry);
  }

  get registries(): string[] {
    return [...this.byRegistry.keys()];
  }
}

export function dockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const folder = env['DOCKER_CONFIG'] === undefined || env['DOCKER_CONFIG'] === '' ? join(homedir(), '.docker') : env['DOCKER_CONFIG'];
  return join(folder, 'config.json');
}

export function readDockerConfigAuths(env: NodeJS.ProcessEnv = process.env): Map<string, RegistryAuth> {
  return readAuthFile(dockerConfigPath(env), 'or set DOCKER_CONFIG to another folder');
}

/** The `auths` of one config file in the docker CLI's format (also Podman's `auth.json`); an absent file has none. */
export function readAuthFile(file: string, otherFix = 'or remove it'): Map<string, RegistryAuth> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return new Map();
  }
  let parsed: DockerConfigFile;
  try {
    parsed = JSON.parse(text) as DockerConfigFile;
  } catch (error) {
    throw new CapstanError(ErrorCode.InvalidConfig, `${file} is not valid JSON (${(error as Error).message}); fix it ${otherFix}`, {
      cause: error,
    });
  }
  return parseAuths(parsed.auths ?? {});
}

function parseAuths(auths: NonNullable<DockerConfigFile['auths']>): Map<string, RegistryAuth> {
  const result = new Map<string, RegistryAuth>();
  for (const [server, entry] of Object.entries(auths)) {
    if (typeof entry !== 'object' || entry === null) continue;
    const serveraddress = normaliseRegistryHost(server);
    if (typeof entry.identitytoken === 'string' && entry.identitytoken !== '') {
      result.set(serveraddress, { identitytoken: entry.identitytoken, serveraddress });
    } else if (typeof entry.auth === 'string' && entry.auth !== '') {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) result.set(serveraddress, { username: decoded.slice(0, colon), password: decoded.slice(colon + 1), serveraddress });
    } else if (typeof entry.username === 'string' && typeof entry.password === 'string') {
      result.set(serveraddress, { username: entry.username, password: entry.password, serveraddress });
    }
  }
  return result;
}
