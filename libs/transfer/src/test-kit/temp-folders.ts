import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Real temporary folders, removed by `removeAll` (call it in afterEach, so a failed test cleans up too). */
export class TempFolders {
  private readonly made: string[] = [];

  async make(label: string): Promise<string> {
    const folder = await mkdtemp(join(tmpdir(), `capstan-transfer-${label}-`));
    this.made.push(folder);
    return folder;
  }

  async removeAll(): Promise<void> {
    const folders = this.made.splice(0);
    await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
  }
}

/** Every path below `folder`, relative, sorted (dot files included: a leftover temporary file shows up). */
export async function listAll(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true });
  return entries.map(String).sort();
}

/** A file's sha256 and size, to compare large contents cheaply (jest compares Buffers byte by byte). */
export async function fingerprint(path: string): Promise<string> {
  return fingerprintOf(await readFile(path));
}

export function fingerprintOf(bytes: Buffer): string {
  return `${createHash('sha256').update(bytes).digest('hex')} (${bytes.length} bytes)`;
}
