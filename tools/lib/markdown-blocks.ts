/**
 * The comment that marks the next fenced block as an example that cannot run on a test machine (a cluster, a remote
 * server), with the reason: `<!-- example: not run here: needs a Slurm cluster -->`. Keep such blocks few.
 */
export const NOT_RUN_MARKER = /^<!--\s*example:\s*not run here:\s*(.+?)\s*-->$/;

/** One fenced block of a Markdown text: its info string's language, its lines, where it starts (`file:line`). */
export interface FencedBlock {
  readonly language: string;
  readonly body: readonly string[];
  readonly where: string;
  /** The line (1-based) of the block's first line of code. */
  readonly firstLine: number;
  /** The reason of a not-run marker right before the block (blank lines between allowed), if there is one. */
  readonly notRun: string | undefined;
}

/**
 * Every fenced block of one Markdown text, in order. Shared by the tests that run the examples of the docs
 * (apps/cli: task files and commands) and of the packages' READMEs (tools/packages: TypeScript), so that both read
 * the not-run marker alike.
 */
export function fencedBlocks(markdown: string, file: string): FencedBlock[] {
  const blocks: FencedBlock[] = [];
  const lines = markdown.split('\n');
  let notRun: string | undefined;
  for (let index = 0; index < lines.length; index += 1) {
    const line = (lines[index] as string).trim();
    const marker = NOT_RUN_MARKER.exec(line);
    if (marker) {
      notRun = marker[1];
      continue;
    }
    const fence = /^```(\w*)/.exec(line);
    if (!fence) {
      if (line !== '') notRun = undefined;
      continue;
    }
    const start = index;
    const body: string[] = [];
    for (index += 1; index < lines.length && !(lines[index] as string).trim().startsWith('```'); index += 1) body.push(lines[index] as string);
    blocks.push({ language: fence[1] ?? '', body, where: `${file}:${start + 1}`, firstLine: start + 2, notRun });
    notRun = undefined;
  }
  return blocks;
}
