import { container as root } from 'tsyringe';
import { z } from 'zod';
import { Backend } from './backend';
import { type BackendPlugin, defineBackendPlugin } from './backend-plugin';
import { registerBackend } from './backend-registry';

const schema = z.strictObject({ slots: z.number().int().positive().default(2) });

describe('BackendPlugin', () => {
  it('types register from its schema, and a table of different plugins needs no cast', async () => {
    const seen: number[] = [];
    const counted = defineBackendPlugin({
      name: 'counted',
      optionsSchema: schema,
      // `options.slots` is a number here because the schema says so.
      register: (container, options) => {
        seen.push(options.slots * 10);
        registerBackend(container, () => ({ name: 'counted' }) as unknown as Backend);
      },
    });
    const other = defineBackendPlugin({ name: 'other', optionsSchema: z.strictObject({ url: z.string() }), register: async () => undefined });
    const table: readonly BackendPlugin[] = [counted, other];
    const container = root.createChildContainer();
    for (const plugin of table.slice(0, 1)) await plugin.register(container, plugin.optionsSchema.parse({}));
    expect(seen).toEqual([20]);
    expect(container.resolveAll(Backend).map((backend) => backend.name)).toEqual(['counted']);
  });

  it('refuses, at compile time, a register that wants other options than its schema gives', () => {
    const plugin = defineBackendPlugin({
      name: 'mismatched',
      optionsSchema: schema,
      // @ts-expect-error: the schema gives { slots: number }, not { slots: string }
      register: (_container, options: { slots: string }) => void options.slots.toUpperCase(),
    });
    expect(plugin.name).toBe('mismatched');
  });
});
