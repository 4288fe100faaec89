import { resolve } from 'node:path';
import { type CommandIo } from './common-options';

/** `--work-root`, else the configured workRoot (the config is read only then: it loads every backend's section). */
export async function workRootOf(values: { readonly 'work-root'?: string; readonly config?: string }, io: CommandIo): Promise<string> {
  if (values['work-root'] !== undefined) return resolve(values['work-root']);
  const { wireBackendsFor } = await import('./common-options');
  const { config } = await wireBackendsFor(values.config, io);
  return resolve(config.engine.workRoot);
}
