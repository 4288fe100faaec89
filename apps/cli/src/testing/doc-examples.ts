import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { fencedBlocks } from '../../../../tools/lib/markdown-blocks';

export type DocExample =
  | { readonly kind: 'task-file'; readonly where: string; readonly text: string }
  | { readonly kind: 'command'; readonly where: string; readonly text: string }
  | { readonly kind: 'not-run'; readonly where: string; readonly reason: string };

/**
 * The runnable examples of one Markdown text: yaml blocks that are task files (a mapping with `name` and `command`),
 * and `capstan run` / `capstan plan` command lines of sh blocks (continuation lines joined; a line of another program
 * that merely mentions capstan is not one). A block after the not-run marker is listed as such, never run.
 */
export function extractExamples(markdown: string, file: string): DocExample[] {
  return fencedBlocks(markdown, file).flatMap((block) => {
    const found = blockExamples(block.language, block.body, block.where);
    return block.notRun !== undefined && found.length > 0 ? [{ kind: 'not-run' as const, where: block.where, reason: block.notRun }] : found;
  });
}

function blockExamples(language: string, body: readonly string[], where: string): DocExample[] {
  const text = `${body.join('\n')}\n`;
  if (language === 'yaml' || language === 'yml') return isTaskFile(text) ? [{ kind: 'task-file', where, text }] : [];
  if (language !== 'sh' && language !== 'bash' && language !== 'console') return [];
  return logicalLines(body)
    .map((command) => command.replace(/^\$\s+/, ''))
    .filter((command) => /^(?:npx\s+)?capstan\s+(?:run|plan)\b/.test(command))
    .map((command) => ({ kind: 'command', where, text: command }));
}

function isTaskFile(text: string): boolean {
  try {
    const document: unknown = parse(text);
    return typeof document === 'object' && document !== null && !Array.isArray(document) && 'command' in document && 'name' in document;
  } catch {
    return false;
  }
}

function logicalLines(body: readonly string[]): string[] {
  const joined: string[] = [];
  let current = '';
  for (const raw of body) {
    const line = raw.trim();
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1).trimEnd()} `;
      continue;
    }
    joined.push((current + line).trim());
    current = '';
  }
  if (current.trim() !== '') joined.push(current.trim());
  return joined.filter((line) => line !== '' && !line.startsWith('#'));
}

/** Every example of the README and of docs/*.md. */
export async function workspaceExamples(root: string, docs: readonly string[]): Promise<DocExample[]> {
  const all: DocExample[] = [];
  for (const file of docs) all.push(...extractExamples(await readFile(join(root, file), 'utf8'), file));
  return all;
}
