import { parseTask, type Task } from '@capstan/core-constraints';

export interface QuickTaskOptions {
  readonly image: string;
  readonly command: readonly string[];
  readonly name?: string | undefined;
  readonly cpu?: string | undefined;
  readonly memory?: string | undefined;
  readonly env?: readonly string[] | undefined;
}

/** A task from `capstan run --image IMG ... -- CMD ARGS...`: the arguments are quoted, so they reach the program as given. */
export function quickTask(options: QuickTaskOptions): Task {
  const env = Object.fromEntries(
    (options.env ?? []).map((pair, index) => {
      const at = pair.indexOf('=');
      return at <= 0 ? [`invalid ${index}`, pair] : [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );
  return parseTask({
    name: options.name ?? options.command[0]?.split('/').pop() ?? 'task',
    command: options.command.map(shellQuote).join(' '),
    requirements: {
      container: options.image,
      ...(options.cpu === undefined ? {} : { cpu: Number(options.cpu) }),
      ...(options.memory === undefined ? {} : { memory: /^\d+$/.test(options.memory) ? Number(options.memory) : options.memory }),
    },
    env,
  });
}

export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
