// Apart from zod-bridge so that keys.ts, which the CLI's `--help` path reaches through cli-spec, does not load zod.

/** Joins path segments the way Capstan reports them: `requirements.disks.1`. */
export function joinPath(...parts: ReadonlyArray<string | number | null | undefined>): string | null {
  let joined: string | null = null;
  for (const part of parts) {
    if (part === null || part === undefined || part === '') continue;
    joined = joined === null ? String(part) : `${joined}.${String(part)}`;
  }
  return joined;
}
