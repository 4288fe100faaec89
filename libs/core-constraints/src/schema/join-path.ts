// Apart from zod-bridge so that keys.ts, which the CLI's `--help` path reaches through cli-spec, does not load zod.

/** Joins path segments the way Capstan reports them: `requirements.disks.1`. */
export function joinPath(...parts: ReadonlyArray<string | number | null | undefined>): string | null {
  const kept = parts.filter((part): part is string | number => part !== null && part !== undefined && part !== '');
  return kept.length === 0 ? null : kept.join('.');
}
