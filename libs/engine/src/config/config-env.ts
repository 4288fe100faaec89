import { schemaSettings, suggestKey, TASK_VARIABLES } from '@capstan/core-constraints';
import { type z } from 'zod';

export const ENV_PREFIX = 'CAPSTAN_';

/** A configuration variable Capstan reads: its name and the settings path it sets. */
export interface EnvSetting {
  readonly variable: string;
  readonly path: readonly string[];
  /** Keys below the path are the value's own (registries by host, a backend's auth): deeper variables are read too. */
  readonly open: boolean;
}

/** One variable read: the settings path it sets and its value. */
export interface EnvValue {
  readonly variable: string;
  readonly path: readonly string[];
  readonly value: unknown;
}

/**
 * Every variable Capstan reads, derived from the same schemas that validate the file (so the two cannot drift): the
 * engine's own settings, then one group per section (`CAPSTAN_DOCKER__PULL_POLICY`).
 */
export function envSettings(sections: Readonly<Record<string, z.ZodType>>, root?: z.ZodType): EnvSetting[] {
  const settings = [...(root === undefined ? [] : schemaSettings(root)), ...Object.entries(sections).flatMap(([name, schema]) => schemaSettings(schema, [name]))];
  return settings.map(({ path, open }) => ({ variable: ENV_PREFIX + path.map(screamingSnake).join('__'), path, open }));
}

/**
 * Reads the documented `CAPSTAN_...` variables. Anything else with the prefix belongs to someone else (a wrapper
 * script, a test harness, a typo): it is ignored with one warning naming the nearest documented variable, never an
 * error, so an unrelated variable cannot break every command. `ignored` settings are known but not read here (another
 * command's section); the variables Capstan sets inside tasks are skipped silently, so a nested capstan works.
 * Async because the YAML parser that reads the values is imported only when a variable is read (start-up cost).
 */
export async function readEnvSettings(env: NodeJS.ProcessEnv, settings: readonly EnvSetting[], ignored: readonly EnvSetting[] = []): Promise<{ values: EnvValue[]; warnings: string[] }> {
  const read: { variable: string; path: string[]; text: string }[] = [];
  const warnings: string[] = [];
  for (const [variable, value] of Object.entries(env)) {
    if (!variable.startsWith(ENV_PREFIX) || value === undefined || TASK_VARIABLES.includes(variable)) continue;
    const path = variable.slice(ENV_PREFIX.length).split('__').map(camelCase);
    if (settings.some((setting) => covers(setting, path))) read.push({ variable, path, text: value });
    else if (!ignored.some((setting) => covers(setting, path))) warnings.push(unknownVariableWarning(variable, [...settings, ...ignored]));
  }
  if (read.length === 0) return { values: [], warnings };
  const { parseYaml } = await import('./config-yaml');
  return { values: read.map(({ variable, path, text }) => ({ variable, path, value: parseScalar(text, parseYaml) })), warnings };
}

/** The first key each `CAPSTAN_...` variable sets (`docker` for `CAPSTAN_DOCKER__USER`): the sections it gives values to. */
export function envTopKeys(env: NodeJS.ProcessEnv): Set<string> {
  const keys = new Set<string>();
  for (const [variable, value] of Object.entries(env)) {
    if (!variable.startsWith(ENV_PREFIX) || value === undefined || TASK_VARIABLES.includes(variable)) continue;
    keys.add(camelCase(variable.slice(ENV_PREFIX.length).split('__')[0] ?? ''));
  }
  return keys;
}

function covers(setting: EnvSetting, path: readonly string[]): boolean {
  if (path.length < setting.path.length || (path.length > setting.path.length && !setting.open)) return false;
  return setting.path.every((part, index) => part === path[index]);
}

function unknownVariableWarning(variable: string, settings: readonly EnvSetting[]): string {
  // Suggestions compare what follows the prefix, which every name shares and would make any two names look close.
  const names = settings.map((setting) => setting.variable.slice(ENV_PREFIX.length));
  const suggestion = suggestKey(variable.slice(ENV_PREFIX.length), names);
  const shown = JSON.stringify(variable).slice(1, -1);
  const fix = suggestion === undefined ? 'Capstan reads only its documented settings (e.g. CAPSTAN_BACKEND)' : `did you mean ${ENV_PREFIX}${suggestion}?`;
  return `environment variable ${shown} is not a Capstan setting and is ignored; ${fix}`;
}

function camelCase(word: string): string {
  return word.toLowerCase().replace(/_([a-z0-9])/g, (_match, letter: string) => letter.toUpperCase());
}

function screamingSnake(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

/** Values are YAML scalars (`true`, `30`, `always`); a mapping or list stays the string written. */
function parseScalar(value: string, parseYaml: (text: string) => unknown): unknown {
  try {
    const parsed: unknown = parseYaml(value);
    return parsed === null || typeof parsed === 'object' ? value : parsed;
  } catch {
    return value;
  }
}
