import { type Backend } from './backend';

/**
 * A backend under a name of a configuration's own (`hpc` for a Slurm backend, `box` for a Docker one): everything
 * else is the backend's, so what a task meets on it, its capabilities and its errors are those of its type. Methods
 * run on the backend itself, so its private state is its own.
 */
export function namedBackend(backend: Backend, name: string): Backend {
  return new Proxy(backend, {
    get(target, key) {
      if (key === 'name') return name;
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
