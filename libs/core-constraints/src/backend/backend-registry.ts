import type { DependencyContainer } from 'tsyringe';
import { CapstanError, ErrorCode } from '../errors/capstan-error';
import { Backend } from './backend';

/** Registers a backend under the one backend token. Apps call one such function per backend they ship. */
export function registerBackend(container: DependencyContainer, create: (container: DependencyContainer) => Backend): void {
  container.register(Backend, { useFactory: (resolver) => create(resolver) });
}

/** The backends registered in a container, by name. */
export class BackendRegistry {
  private readonly byName = new Map<string, Backend>();

  constructor(backends: readonly Backend[]) {
    for (const backend of backends) {
      if (this.byName.has(backend.name)) {
        throw new CapstanError(
          ErrorCode.DuplicateBackend,
          `two backends are registered under the name "${backend.name}"; register each backend once, or give a custom backend its own name`,
          { details: { value: backend.name } },
        );
      }
      this.byName.set(backend.name, backend);
    }
  }

  static fromContainer(container: DependencyContainer): BackendRegistry {
    return new BackendRegistry(container.isRegistered(Backend, true) ? container.resolveAll(Backend) : []);
  }

  get names(): string[] {
    return [...this.byName.keys()];
  }

  get(name: string): Backend {
    const backend = this.byName.get(name);
    if (backend === undefined) {
      const known = this.names;
      throw new CapstanError(
        ErrorCode.UnknownBackend,
        `there is no backend named "${name}"; known backends: ${known.length === 0 ? '(none registered)' : known.join(', ')}`,
        { path: 'backend', details: { value: name, known } },
      );
    }
    return backend;
  }
}
