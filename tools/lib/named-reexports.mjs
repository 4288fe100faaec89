// An esbuild plugin for bundles with code splitting. esbuild's splitting follows a named re-export
// (`export { a } from './a'`) whether or not a chunk uses it, which puts everything a library's index names into the
// chunk of every command that imports anything from it (`run` would load the TES server's fastify, and every backend's
// code behind its lazily imported `register`). `export * from` is followed only for the names used; in a bundle the two
// are the same, since TypeScript checked every import, and a name two modules export fails the build. Renames stay.
import { readFileSync } from 'node:fs';

export function namedReexportsAsStar() {
  return {
    name: 'capstan-named-reexports',
    setup(plugin) {
      plugin.onLoad({ filter: /[\\/]libs[\\/][^\\/]+[\\/]src[\\/](index|internal)\.ts$/ }, (args) => ({
        contents: readFileSync(args.path, 'utf8').replace(/export\s*\{([^}]*)\}\s*from\s*('[^']+'|"[^"]+")/g, (whole, names, from) => (/\b(as|default)\b/.test(names) ? whole : `export * from ${from}`)),
        loader: 'ts',
      }));
    },
  };
}
