import { CapstanError, ErrorCode } from '@capstan/core-constraints';
import { showValue } from '../support/show-value';
import { type ValidatedTask } from './create-task-schema';

/**
 * Upper bounds on what one POST /tasks may ask for (docs/decisions.md, "Bounds of a TES task"). A client is
 * untrusted: without them one task could hold the server's memory, its database or the engine (thousands of
 * containers, an argv the kernel refuses at run time). Each is far above what a real workflow step needs.
 */
export const TES_CREATE_LIMITS = {
  executors: 64,
  inputs: 1_000,
  outputs: 1_000,
  volumes: 100,
  envEntries: 1_000,
  tags: 100,
  argvElements: 4_096,
  /** Bytes of UTF-8 in one input's `content`. */
  contentBytes: 1024 * 1024,
  /** Linux's PATH_MAX. */
  pathChars: 4_096,
  urlChars: 8_192,
  imageChars: 512,
  /** Linux's MAX_ARG_STRLEN: the kernel refuses a longer argument or environment string. */
  argChars: 131_072,
  envNameChars: 256,
  tagKeyChars: 256,
  tagValueChars: 4_096,
  nameChars: 1_024,
  descriptionChars: 65_536,
} as const;

const L = TES_CREATE_LIMITS;

function refuse(path: string, problem: string, fix: string, value: unknown, limit: number): never {
  throw new CapstanError(ErrorCode.TesInvalidTask, `${path} ${problem}; ${fix}`, { path, details: { value: showValue(value), limit } });
}

function atMostItems(path: string, count: number, limit: number, what: string, fix: string): void {
  if (count > limit) refuse(path, `has ${count} ${what}, more than the limit of ${limit}`, fix, `${count} ${what}`, limit);
}

function atMostChars(path: string, text: string | undefined, limit: number, fix = 'shorten it'): void {
  if (text !== undefined && text.length > limit) {
    refuse(path, `is ${showValue(text)} (${text.length} characters), longer than the limit of ${limit} characters`, fix, text, limit);
  }
}

/** Refuses (tes.invalid_task, naming the field, the value shortened and the limit) a task beyond TES_CREATE_LIMITS. */
export function checkCreateTaskLimits(task: ValidatedTask): void {
  atMostItems('executors', task.executors.length, L.executors, 'executors', 'split the work into several tasks');
  atMostItems('inputs', task.inputs.length, L.inputs, 'inputs', 'give a DIRECTORY input instead of many files, or split the task');
  atMostItems('outputs', task.outputs.length, L.outputs, 'outputs', 'give a DIRECTORY output or a wildcard path instead of many files');
  atMostItems('volumes', task.volumes.length, L.volumes, 'volumes', 'use fewer, shared folders');
  atMostItems('tags', Object.keys(task.tags).length, L.tags, 'tags', 'keep the tags a client filters on');
  atMostChars('name', task.name, L.nameChars);
  atMostChars('description', task.description, L.descriptionChars);
  for (const [key, value] of Object.entries(task.tags)) {
    atMostChars(`tags.${key.slice(0, 40)}`, key, L.tagKeyChars, 'use a shorter tag name');
    atMostChars(`tags.${key.slice(0, 40)}`, value, L.tagValueChars);
  }
  task.volumes.forEach((volume, index) => atMostChars(`volumes.${index}`, volume, L.pathChars));
  task.inputs.forEach((input, index) => {
    atMostChars(`inputs.${index}.path`, input.path, L.pathChars);
    atMostChars(`inputs.${index}.url`, input.url, L.urlChars);
    const bytes = input.content === undefined ? 0 : Buffer.byteLength(input.content, 'utf8');
    if (bytes > L.contentBytes) {
      refuse(`inputs.${index}.content`, `is ${bytes} bytes, more than the limit of ${L.contentBytes} bytes of inline content`, 'give a url for a larger input', input.content, L.contentBytes);
    }
  });
  task.outputs.forEach((output, index) => {
    atMostChars(`outputs.${index}.path`, output.path, L.pathChars);
    atMostChars(`outputs.${index}.path_prefix`, output.path_prefix, L.pathChars);
    atMostChars(`outputs.${index}.url`, output.url, L.urlChars);
  });
  task.executors.forEach((executor, index) => checkExecutorLimits(executor, `executors.${index}`));
}

function checkExecutorLimits(executor: ValidatedTask['executors'][number], at: string): void {
  atMostChars(`${at}.image`, executor.image, L.imageChars);
  atMostItems(`${at}.command`, executor.command.length, L.argvElements, 'arguments', 'pass long lists in an input file');
  executor.command.forEach((word, index) => atMostChars(`${at}.command.${index}`, word, L.argChars, 'pass large data in an input file'));
  for (const field of ['workdir', 'stdin', 'stdout', 'stderr'] as const) atMostChars(`${at}.${field}`, executor[field], L.pathChars);
  const env = Object.entries(executor.env ?? {});
  atMostItems(`${at}.env`, env.length, L.envEntries, 'variables', 'pass settings in an input file');
  for (const [name, value] of env) {
    atMostChars(`${at}.env.${name.slice(0, 40)}`, name, L.envNameChars, 'use a shorter variable name');
    atMostChars(`${at}.env.${name.slice(0, 40)}`, value, L.argChars, 'pass large data in an input file');
  }
}
