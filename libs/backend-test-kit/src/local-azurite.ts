import { readCredentialsFile } from './local-registry';

/** The Azure Blob emulator tools/engines/azurite.sh runs (Azurite), from its credentials file. */
export interface LocalAzurite {
  /** The Blob service's path-style URL, `http://127.0.0.1:PORT/devstoreaccount1`. */
  readonly endpoint: string;
  readonly account: string;
  /** Azurite's published development key (not a secret). */
  readonly key: string;
  readonly container: string;
  /** The Blob service's script and the Node that runs it, for a test that starts (and kills) an instance of its own. */
  readonly bin: string;
  readonly node: string;
}

export function localAzurite(file = '/var/lib/capstan/azurite/credentials.env'): LocalAzurite {
  const values = readCredentialsFile(file);
  const names = { endpoint: 'AZURITE_ENDPOINT', account: 'AZURITE_ACCOUNT', key: 'AZURITE_KEY', container: 'AZURITE_CONTAINER', bin: 'AZURITE_BIN', node: 'AZURITE_NODE' } as const;
  const missing = Object.values(names).filter((name) => values[name] === undefined);
  if (missing.length > 0) throw new Error(`${file} has no ${missing.join(', ')}; run tools/engines/azurite.sh`);
  return Object.fromEntries(Object.entries(names).map(([field, name]) => [field, values[name]])) as unknown as LocalAzurite;
}
