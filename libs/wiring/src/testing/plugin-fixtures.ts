import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

// Plugin modules written as a third party ships them: plain CommonJS files outside the workspace. In jest, the
// workspace's own packages resolve through its module map; zod is required by its absolute path.
const HEADER = `
const { z } = require(${JSON.stringify(require.resolve('zod'))});
const { registerBackend } = require('@capstan/core-constraints');
const { LocalBackend } = require('@capstan/local-runner');
class NamedLocal extends LocalBackend {
  constructor(name) { super({}); this.name = name; }
}
const seen = (globalThis.pluginSeamSeen ??= []);
`;

/** A plugin whose backend runs tasks on the host (the local backend under another name); `register` records its options. */
export function goodPlugin(name: string, registeredName = name): string {
  return `${HEADER}
exports.plugin = {
  name: ${JSON.stringify(name)},
  optionsSchema: z.strictObject({ marker: z.string().regex(/^[a-z]+$/).default('plain'), slots: z.number().int().positive().default(1) }),
  register(container, options) {
    seen.push({ name: ${JSON.stringify(name)}, options });
    registerBackend(container, () => new NamedLocal(${JSON.stringify(registeredName)}));
  },
};
`;
}

export const seenRegistrations = (): Array<{ name: string; options: unknown }> => ((globalThis as { pluginSeamSeen?: Array<{ name: string; options: unknown }> }).pluginSeamSeen ??= []);

export async function writeModule(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, text);
}

/** An installed package beside the config file: node_modules/NAME with a package.json whose main is index.js. */
export async function writePackage(root: string, packageName: string, text: string): Promise<void> {
  await writeModule(join(root, 'node_modules', packageName, 'package.json'), JSON.stringify({ name: packageName, main: 'index.js' }));
  await writeModule(join(root, 'node_modules', packageName, 'index.js'), text);
}

export { HEADER as PLUGIN_HEADER };
