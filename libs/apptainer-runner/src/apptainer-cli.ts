import { DiskCache, fileIdentity } from '@capstan/support';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, constants, stat } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

/** Apptainer, or SingularityCE / legacy Singularity 3.x: they differ in the prefix of their variables. */
export type CliFlavour = 'apptainer' | 'singularity';

export interface CliVersion {
  readonly flavour: CliFlavour;
  /** e.g. `1.4.5`, `4.1.2`, `3.8.7-1.el8`. */
  readonly version: string;
  /** What `--version` printed, trimmed: `apptainer version 1.4.5`. */
  readonly text: string;
}

/**
 * Reads `BINARY --version`: `apptainer version 1.4.5`, `singularity-ce version 4.1.2`, `singularity version 3.8.7`.
 * A `singularity` that is Apptainer's compatibility name prints `apptainer version ...`: it is Apptainer.
 */
export function parseVersion(output: string): CliVersion | null {
  const text = output.trim().split('\n')[0]?.trim() ?? '';
  const match = /^(apptainer|singularity(?:-ce|-pro)?)\s+version\s+(\S+)/i.exec(text);
  if (match === null) return null;
  const name = (match[1] ?? '').toLowerCase();
  return { flavour: name === 'apptainer' ? 'apptainer' : 'singularity', version: match[2] ?? '', text };
}

/** Runs `BINARY --version` (10 s at most) and parses it; rejects with a message that says how to fix it. */
export function probeVersion(binary: string, env: NodeJS.ProcessEnv): Promise<CliVersion> {
  return new Promise((resolve, reject) => {
    execFile(binary, ['--version'], { env, timeout: 10_000, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error !== null) {
        const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
        reject(
          new Error(
            missing
              ? `"${binary}" is not found on PATH; install Apptainer (on Debian 12: sudo tools/engines/apptainer.sh) or set apptainer.binary`
              : `"${binary} --version" failed: ${(stderr || error.message).trim().split('\n').slice(-3).join(' ')}`,
          ),
        );
        return;
      }
      const version = parseVersion(stdout);
      if (version === null) reject(new Error(`"${binary} --version" printed ${JSON.stringify(stdout.trim())}, which is neither Apptainer nor Singularity`));
      else resolve(version);
    });
  });
}

/**
 * How long a version read from disk is used. The entry names the binary's file (path, inode, size, change time), so an
 * upgrade is seen at once; the limit only bounds how long a file that was replaced in an unusual way is trusted.
 */
export const VERSION_TTL_MS = 24 * 60 * 60_000;

/**
 * `probeVersion` through a file in `folder`: `BINARY --version` costs 30-90 ms, on every `capstan run`'s path before
 * its first attempt, and its answer changes only with the binary. A binary that is not found is probed (its error
 * says how to fix it); an entry that does not parse is probed again.
 */
export async function probeVersionCached(binary: string, env: NodeJS.ProcessEnv, folder: string): Promise<CliVersion> {
  const path = await findOnPath(binary, env['PATH'] ?? '');
  if (path === undefined) return probeVersion(binary, env);
  const cache = new DiskCache<string>({
    folder,
    file: `cli-version-${createHash('sha256').update(`${binary}\0${path}`).digest('hex').slice(0, 16)}.json`,
    identity: () => fileIdentity(path),
    ttlMs: VERSION_TTL_MS,
    parse: (value) => (typeof value === 'string' && parseVersion(value) !== null ? value : undefined),
  });
  const known = await cache.read();
  const parsed = known === undefined ? null : parseVersion(known);
  if (parsed !== null) return parsed;
  const version = await probeVersion(binary, env);
  await cache.write(version.text);
  return version;
}

/** The file `execFile(binary)` runs with this PATH: the binary itself if it names a path. */
async function findOnPath(binary: string, path: string): Promise<string | undefined> {
  const candidates = binary.includes('/') ? [binary] : path.split(delimiter).filter((folder) => folder !== '').map((folder) => join(folder, binary));
  for (const candidate of candidates) {
    // As execvp: a folder or a file that may not be run is passed over.
    const runnable = await access(candidate, constants.X_OK).then(async () => (await stat(candidate)).isFile(), () => false);
    if (runnable) return candidate;
  }
  return undefined;
}

/** The variable prefixes each flavour reads: task variables, and registry logins. */
export function variablePrefixes(flavour: CliFlavour): { readonly env: string; readonly dockerLogin: string } {
  return flavour === 'apptainer' ? { env: 'APPTAINERENV_', dockerLogin: 'APPTAINER_DOCKER_' } : { env: 'SINGULARITYENV_', dockerLogin: 'SINGULARITY_DOCKER_' };
}

/**
 * A value as Apptainer's environment handling reads it: it expands `$`, backquotes and backslashes (as inside double
 * quotes) in APPTAINERENV_ and --env values, so those three are escaped; everything else (quotes, newlines, commas)
 * arrives as written. Checked against Apptainer 1.4.5 with `$HOME`, `$(id)`, backquotes, `\\`, quotes and newlines.
 */
export function escapeEnvValue(value: string): string {
  return value.replace(/[\\$`]/g, (character) => `\\${character}`);
}
