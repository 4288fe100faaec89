import { CapstanError, ErrorCode } from '@capstan/core-constraints';

/**
 * One word of a command template, or a group of words dropped together when any placeholder in it has no value
 * (`["-q", "{queue}"]` when no queue is set). Placeholders are `{name}`; a word that is exactly `{job_ids}` becomes one
 * word per job id.
 */
export type TemplateItem = string | readonly string[];
export type CommandTemplate = readonly TemplateItem[];

/** The placeholders a template may use: each value is checked against its pattern before it is put in a word. */
export const PLACEHOLDERS = {
  job_name: /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/,
  script: /^\/[^\0\n\r]*$/,
  work_dir: /^\/[^\0\n\r]*$/,
  stdout: /^\/[^\0\n\r]*$/,
  stderr: /^\/[^\0\n\r]*$/,
  cpus: /^[1-9][0-9]{0,5}$/,
  memory_mb: /^[1-9][0-9]{0,9}$/,
  memory_kb: /^[1-9][0-9]{0,12}$/,
  gpus: /^[1-9][0-9]{0,3}$/,
  time_limit_seconds: /^[1-9][0-9]{0,9}$/,
  time_limit_minutes: /^[1-9][0-9]{0,8}$/,
  time_limit_hms: /^[0-9]{1,7}:[0-5][0-9]:[0-5][0-9]$/,
  queue: /^[A-Za-z0-9_.@-]{1,128}$/,
  env_names: /^[A-Za-z_][A-Za-z0-9_]*(,[A-Za-z_][A-Za-z0-9_]*)*$/,
  job_id: /^[A-Za-z0-9_.@[\]-]{1,128}$/,
  job_ids: /^[A-Za-z0-9_.@[\]-]{1,128}$/,
  job_ids_csv: /^[A-Za-z0-9_.@[\]-]{1,128}(,[A-Za-z0-9_.@[\]-]{1,128})*$/,
} as const;
export type Placeholder = keyof typeof PLACEHOLDERS;
export type TemplateValues = Partial<Record<Placeholder, string | readonly string[]>>;

const PLACEHOLDER = /\{([a-z_]+)\}/g;

/** The placeholders of a template that are not known, for the config check. */
export function unknownPlaceholders(template: CommandTemplate): string[] {
  const words = template.flatMap((item) => (typeof item === 'string' ? [item] : item));
  return [...new Set(words.flatMap((word) => [...word.matchAll(PLACEHOLDER)].map((match) => match[1] ?? '')))].filter((name) => !Object.hasOwn(PLACEHOLDERS, name));
}

/**
 * The argv of a template with these values. Every value is checked against its placeholder's pattern first, so a
 * hostile job name, path or number cannot become an option or a second word; an unset value drops its group (or
 * fails the command when the placeholder stands alone: the template needs it).
 */
export function renderTemplate(template: CommandTemplate, values: TemplateValues, what: string): string[] {
  for (const [name, value] of Object.entries(values) as Array<[Placeholder, string | readonly string[] | undefined]>) {
    if (value === undefined) continue;
    for (const one of typeof value === 'string' ? [value] : value) {
      if (!PLACEHOLDERS[name].test(one)) {
        throw new CapstanError(ErrorCode.InvalidValue, `${JSON.stringify(one)} cannot be the {${name}} of the ${what} command: it does not match ${PLACEHOLDERS[name]}; the task's value must be changed`, {
          details: { placeholder: name, value: one },
        });
      }
    }
  }
  const argv: string[] = [];
  for (const item of template) {
    if (typeof item === 'string') {
      const words = renderWords(item, values);
      if (words === undefined) {
        throw new CapstanError(ErrorCode.InvalidConfig, `the ${what} command template uses ${item} outside a group, and it has no value here; put it in a group ([${JSON.stringify(item)}]) so it is left out when unset`, {
          details: { word: item },
        });
      }
      argv.push(...words);
      continue;
    }
    const group = item.map((word) => renderWords(word, values));
    if (group.every((words) => words !== undefined)) argv.push(...group.flatMap((words) => words ?? []));
  }
  return argv;
}

function renderWords(word: string, values: TemplateValues): string[] | undefined {
  const whole = /^\{([a-z_]+)\}$/.exec(word);
  if (whole !== null) {
    const value = values[whole[1] as Placeholder];
    if (value === undefined) return undefined;
    return typeof value === 'string' ? [value] : [...value];
  }
  let missing = false;
  const text = word.replace(PLACEHOLDER, (_, name: string) => {
    const value = values[name as Placeholder];
    if (value === undefined) {
      missing = true;
      return '';
    }
    return typeof value === 'string' ? value : value.join(',');
  });
  return missing ? undefined : [text];
}
