import { parse } from 'yaml';

/**
 * The YAML parser of the configuration, in a module of its own that loadConfig imports only when it has a file or a
 * `CAPSTAN_*` value to read (start-up cost). A plain `import('yaml')` would not do: a bundler turns the dynamic import
 * of a CommonJS package into a module with a default export alone.
 */
export function parseYaml(text: string): unknown {
  return parse(text);
}
