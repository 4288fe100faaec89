import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh folder under the system's temp folder; `remove` deletes it with everything in it. */
export interface TempFolder {
  readonly path: string;
  remove(): void;
}

export function makeTempFolder(): TempFolder {
  const path = mkdtempSync(join(tmpdir(), 'capstan-tes-store-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
