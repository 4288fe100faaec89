import type { DependencyContainer } from 'tsyringe';
import type { z } from 'zod';

/**
 * A backend as a package: what configuration selects it by, the schema of its config section, and how it registers.
 * Capstan's own backends and third-party ones have this one shape; wiring composes them, none imports another.
 *
 * `register` is given the options its own schema produced, so it needs no cast. It may be async: a plugin that
 * imports its heavy module inside `register` (a dynamic `import()`) costs a command nothing unless that command runs
 * the backend. It must register at least one `Backend` named `name` (with `registerBackend`) and have no other effect.
 */
export interface BackendPlugin<Options = unknown> {
  /** The backend's name: `backend: NAME` selects it, and `NAME:` in the configuration holds its options. */
  readonly name: string;
  /** Validates the `NAME:` section (an empty section is `{}`); its output is what `register` receives. */
  readonly optionsSchema: z.ZodType<Options>;
  // A method, not a function property: a table of plugins with different option types is then a plain
  // `readonly BackendPlugin[]`, and each plugin is still checked against its own schema where it is defined.
  register(container: DependencyContainer, options: Options): void | Promise<void>;
}

/** Names a plugin's options type once, from its schema: `defineBackendPlugin({ name, optionsSchema, register })`. */
export function defineBackendPlugin<Options>(plugin: BackendPlugin<Options>): BackendPlugin<Options> {
  return plugin;
}
