/**
 * A schema built at its first use, then kept. Building a zod schema costs time (each call allocates and initialises
 * its checks), and a module's schemas were all built when it was imported: every command that imports the task
 * parser paid for them, though a quick-form task reads a handful (start-up cost, docs/benchmarks.md). Kept once built:
 * a server parses a task per request.
 */
export function lazySchema<T>(build: () => T): () => T {
  let built: { readonly schema: T } | undefined;
  return () => (built ??= { schema: build() }).schema;
}
