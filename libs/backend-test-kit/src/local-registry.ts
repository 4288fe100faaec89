import { readFileSync } from 'node:fs';

export interface LocalRegistry {
  readonly registry: string;
  readonly username: string;
  readonly password: string;
  /** The test image it holds, `127.0.0.1:5000/capstan/busybox:1`, without protocol. */
  readonly image: string;
}

/** The `KEY=value` lines of a credentials file that a tools/engines script wrote. */
export function readCredentialsFile(file: string): Record<string, string> {
  return Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1).trim()]),
  );
}

/** The local registry tools/engines/registry.sh runs, from its credentials file. */
export function localRegistry(file = '/var/lib/capstan/registry/credentials.env'): LocalRegistry {
  const values = readCredentialsFile(file);
  return { registry: values['REGISTRY'] ?? '', username: values['REGISTRY_USER'] ?? '', password: values['REGISTRY_PASSWORD'] ?? '', image: values['REGISTRY_IMAGE'] ?? '' };
}
