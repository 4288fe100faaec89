import { OUTPUTS_MANIFEST } from '@capstan/core-constraints';
import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type PublishedOutput } from './publish-outputs';

/**
 * `outputs.json` in an output root: every output this run published there, rewritten whole after each task, as a
 * temporary file renamed over the old one, so that a reader never sees half a manifest. Writes are serialised.
 */
export class OutputsManifest {
  private readonly entries: PublishedOutput[] = [];
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly root: string,
    private readonly runId: string,
    /** Runs after each write, in the same order (an object store's copy is never replaced by an older one). */
    private readonly afterWrite?: (path: string) => Promise<void>,
  ) {}

  get path(): string {
    return join(this.root, OUTPUTS_MANIFEST);
  }

  add(files: readonly PublishedOutput[]): Promise<void> {
    this.entries.push(...files);
    const text = `${JSON.stringify({ runId: this.runId, outputs: this.entries }, null, 2)}\n`;
    this.writing = this.writing.catch(() => undefined).then(() => this.write(text));
    return this.writing;
  }

  private async write(text: string): Promise<void> {
    const temporary = join(this.root, `.${OUTPUTS_MANIFEST}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await writeFile(temporary, text, { flag: 'wx', mode: 0o644 });
      await rename(temporary, this.path);
      await this.afterWrite?.(this.path);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }
}
