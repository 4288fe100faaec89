import { normaliseGuestPath } from '@capstan/core-constraints';
import { z } from 'zod';
import { tesExecutorSchema } from '../model/tes-executor';
import { tesInputSchema } from '../model/tes-input';
import { tesOutputSchema } from '../model/tes-output';
import { tesResourcesSchema } from '../model/tes-resources';
import { optional, withDefault } from '../support/optional-field';
import { showValue } from '../support/show-value';
import { checkedStringMap, emptyKeyProblem } from '../support/string-map';
import { addIssue } from '../support/tes-parse';
import { readPathPattern, suggestedPathPrefix } from './output-wildcards';

// Every message is a predicate on the field it is about: the caller puts the field's path in front of it.

const EXAMPLE_EXECUTOR = '{"image": "ubuntu:20.04", "command": ["echo", "hello"]}';

/** Shown when a required field is missing; undefined lets the generic description speak for other type errors. */
function whenMissing(message: string) {
  return (issue: { input?: unknown }) => (issue.input === undefined ? message : undefined);
}

function absolutePath(missing = 'is missing; give an absolute path in the container, e.g. "/data/file1"') {
  return z.string({ error: whenMissing(missing) }).superRefine((path, context) => {
    if (path.startsWith('/')) return;
    const example = `/${path.replace(/^(\.\/)+/, '')}`;
    addIssue(
      context,
      [],
      path === ''
        ? 'is empty; give an absolute path in the container, e.g. "/data/file1"'
        : `is ${showValue(path)}, a relative path; paths in the container are absolute (start with "/"), e.g. ${showValue(example)}`,
      path,
    );
  });
}

/** An optional path field where, as in protobuf JSON, the empty string means "not set". */
function optionalAbsolutePath() {
  return z.preprocess((value) => (value === null || value === '' ? undefined : value), absolutePath().optional());
}

function notBlank(message: string) {
  return (text: string, context: z.RefinementCtx) => {
    if (text.trim() === '') addIssue(context, [], `is ${showValue(text)}; ${message}`, text);
  };
}

function positive(what: string, example: string) {
  return (amount: number, context: z.RefinementCtx) => {
    if (amount <= 0) addIssue(context, [], `is ${String(amount)}; ask for more than 0 ${what} (e.g. ${example}), or leave it out to let the server choose`, amount);
  };
}

const argvSchema = z
  .array(z.string(), {
    error: (issue) => {
      if (issue.input === undefined) return `is missing; give the program and its arguments (argv), e.g. ["/bin/md5", "/data/file1"]`;
      if (typeof issue.input === 'string') {
        return `is ${showValue(issue.input)}, a string, not a list; give the program and its arguments (argv) as a list, e.g. ${showValue(['/bin/sh', '-c', issue.input])}`;
      }
      return undefined;
    },
  })
  .superRefine((argv, context) => {
    if (argv.length === 0) {
      addIssue(context, [], 'is an empty list; give the program and its arguments (argv), e.g. ["/bin/md5", "/data/file1"]', argv);
    } else if (argv[0] === '') {
      addIssue(context, [0], 'is empty; the first element of command is the program to run, e.g. "/bin/md5"', argv[0]);
    }
  });

const envKeyProblem = (key: string, value: unknown): string | undefined => {
  if (key === '') return `has an empty variable name (with the value ${showValue(value)}); give every variable a name`;
  if (key.includes('=')) return `has the variable name ${showValue(key)}, which holds "=" and cannot be set; rename it`;
  return undefined;
};

/** `tesExecutor` as a client may submit it. */
export const createExecutorSchema = tesExecutorSchema.extend({
  image: z
    .string({ error: whenMissing('is missing; name the container image to run, e.g. "ubuntu:20.04"') })
    .superRefine(notBlank('name the container image to run, e.g. "ubuntu:20.04"')),
  command: argvSchema,
  workdir: optionalAbsolutePath(),
  stdin: optionalAbsolutePath(),
  stdout: optionalAbsolutePath(),
  stderr: optionalAbsolutePath(),
  env: optional(checkedStringMap(envKeyProblem)),
});

/** `tesInput` as a client may submit it: an absolute path, and a url or content (content wins when not empty). */
export const createInputSchema = tesInputSchema
  .extend({ path: absolutePath('is missing; give the absolute path in the container where the input goes, e.g. "/data/file1"') })
  .superRefine((input, context) => {
    const hasContent = input.content !== undefined && input.content !== '';
    if (!hasContent && (input.url === undefined || input.url === '')) {
      addIssue(
        context,
        ['url'],
        `is ${input.url === undefined ? 'missing' : 'empty'} and there is no content either; give the url to download the input from (e.g. "s3://my-object-store/file1"), or its content`,
        input.url,
      );
    } else if (hasContent && input.type === 'DIRECTORY') {
      addIssue(context, ['type'], 'is "DIRECTORY", but content makes a single file; set type to "FILE", or give a url instead of content', input.type);
    }
  });

/** `tesOutput` as a client may submit it: an absolute path, a url, and a path_prefix when the path has wildcards. */
export const createOutputSchema = tesOutputSchema
  .extend({
    url: z
      .string({ error: whenMissing('is missing; give the URL to upload the output to, e.g. "s3://my-object-store/outfile"') })
      .superRefine(notBlank('give the URL to upload the output to, e.g. "s3://my-object-store/outfile"')),
    path: absolutePath('is missing; give the absolute path of the output in the container, e.g. "/data/outfile"'),
  })
  .superRefine((output, context) => {
    const pattern = readPathPattern(output.path);
    if (!pattern.hasWildcards) return;
    const suggestion = showValue(suggestedPathPrefix(pattern.literalHead));
    const prefix = output.path_prefix;
    if (prefix === undefined || prefix === '') {
      addIssue(
        context,
        ['path_prefix'],
        `is ${prefix === undefined ? 'missing' : 'empty'}, but path ${showValue(output.path)} has wildcards; give path_prefix, the leading part of path removed from each match before it is appended to url, e.g. ${suggestion}`,
        prefix,
      );
    } else if (!pattern.literalHead.startsWith(prefix)) {
      addIssue(
        context,
        ['path_prefix'],
        `is ${showValue(prefix)}, which is not a prefix of path ${showValue(output.path)} before its first wildcard; give a leading part of the path, e.g. ${suggestion}`,
        prefix,
      );
    }
  });

/** `tesResources` as a client may submit it: positive amounts, `zones` as a list (a single string is taken as one zone). */
export const createResourcesSchema = tesResourcesSchema.extend({
  cpu_cores: optional(z.int32().superRefine(positive('cores', '4'))),
  ram_gb: optional(z.number().superRefine(positive('GB of memory', '8'))),
  disk_gb: optional(z.number().superRefine(positive('GB of disk', '40'))),
  // The spec's own example for zones is a single string.
  zones: optional(z.preprocess((value) => (typeof value === 'string' ? [value] : value), z.array(z.string()))),
  backend_parameters: optional(checkedStringMap()),
});

const executorsSchema = z
  .array(createExecutorSchema, { error: whenMissing(`is missing; a task needs at least one executor, e.g. [${EXAMPLE_EXECUTOR}]`) })
  .superRefine((executors, context) => {
    if (executors.length === 0) addIssue(context, [], `is an empty list; a task needs at least one executor, e.g. [${EXAMPLE_EXECUTOR}]`, executors);
  });

const inputsSchema = z.array(createInputSchema).superRefine((inputs, context) => {
  const seen = new Map<string, number>();
  inputs.forEach((input, index) => {
    const key = normaliseGuestPath(input.path);
    const earlier = seen.get(key);
    if (earlier === undefined) {
      seen.set(key, index);
    } else {
      addIssue(context, [index, 'path'], `is ${showValue(input.path)}, the same path as inputs.${earlier}; give each input its own path`, input.path);
    }
  });
});

/**
 * The body of POST /tasks: a `tesTask` with the server's rules. Read-only fields (`id`, `state`, `logs`,
 * `creation_time`) and fields the spec does not define are not part of it, so parsing drops them. Collections the
 * client left out are filled empty (`inputs`, `outputs`, `volumes`, `tags`), and so are the spec's defaults (`type`
 * FILE, `backend_parameters_strict` false).
 */
export const createTaskSchema = z.object({
  name: optional(z.string()),
  description: optional(z.string()),
  inputs: withDefault(inputsSchema, []),
  outputs: withDefault(z.array(createOutputSchema), []),
  resources: optional(createResourcesSchema),
  executors: executorsSchema,
  volumes: withDefault(z.array(absolutePath()), []),
  tags: withDefault(checkedStringMap(emptyKeyProblem('tag')), {}),
});

/** A task accepted by {@link validateCreateTask}: everything the client may set, with the defaults filled in. */
export type ValidatedTask = z.output<typeof createTaskSchema>;
