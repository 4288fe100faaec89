import { CapstanError, ErrorCode } from '@capstan/core-constraints';
import { cryptoRandomSource, randomAlphanumeric, type RandomSource } from './random-source';
import { MAX_NAME_LENGTH, SUFFIX_LENGTH, sanitizeTaskName } from './sanitize-task-name';

/** The length of a run id: the same 36-character alphabet as name suffixes, 62 bits of randomness. */
export const RUN_ID_LENGTH = 12;

/** The highest attempt number {@link NameGenerator.attempt} accepts (keeps the `-a<n>` tag at most 8 characters). */
export const MAX_ATTEMPT = 999_999;

/**
 * A name from {@link NameGenerator.next}: `<prefix>-<12 random>`, where the prefix is one or more dash-separated runs
 * of `[a-z0-9]`. Anchored; check the length (≤ {@link MAX_NAME_LENGTH}) separately.
 */
const GENERATED_NAME = /^([a-z0-9]+(?:-[a-z0-9]+)*)-([a-z0-9]{12})$/;

/**
 * Every random part handed out in this process (name suffixes and run ids), shared by all generators that are not
 * given their own set, so that the guarantee holds even if several `NameGenerator`s get constructed.
 */
const processIssued = new Set<string>();

/** A collision among 36^12 values is already absurd; this many in a row means the random source is broken. */
const MAX_REDRAWS = 100;

/**
 * Unique, readable names for tasks, attempts and containers, and run ids.
 *
 * `next("Align reads: sample_01")` -> `align-reads-sample-01-k3x9q0v2m7ab`:
 * the task name reduced by {@link sanitizeTaskName} (at most 50 characters), a dash, and 12 characters drawn
 * uniformly from `[0-9a-z]` with a cryptographic source. The whole name is at most 63 characters, matches
 * `[a-z0-9]([a-z0-9-]*[a-z0-9])?`, and so is valid as a Docker container name, a Slurm job name, a DNS label, a
 * Kubernetes object name, and a file name on every common file system.
 *
 * No duplicates, exactly: every suffix handed out is kept in a `Set` and a suffix already issued is redrawn (names
 * differ by suffix alone, so unique suffixes give unique names whatever the prefixes). The set is process-wide by
 * default, shared by every generator built without an explicit one. Memory: about 55 bytes per issued name on V8
 * (measured: 1,000,000 names ≈ 53 MB of heap), until {@link release} gives it back (the engine does when a task ends).
 *
 * Uniqueness is per process. Across processes and hosts the names are unique with overwhelming probability only
 * (62 random bits: a collision among a million names has probability ~1e-7); combine with the run id, owner host
 * and pid labels when telling resources of different processes apart.
 *
 * Has only defaulted constructor parameters, so tsyringe can `resolve(NameGenerator)` it without decorators.
 */
export class NameGenerator {
  /**
   * @param random the byte source; default `crypto.randomBytes`.
   * @param issued the set of issued random parts; default the one process-wide set. Pass a fresh set in tests that
   *   script the random source, so that scripted values do not meet names issued by other tests.
   */
  constructor(
    private readonly random: RandomSource = cryptoRandomSource,
    private readonly issued: Set<string> = processIssued,
  ) {}

  /** A new unique name for one run of the task `taskName` (any string; see {@link sanitizeTaskName}). */
  next(taskName: string): string {
    return `${sanitizeTaskName(taskName)}-${this.draw(SUFFIX_LENGTH)}`;
  }

  /**
   * The name of attempt `n` of a task whose name `baseName` came from {@link next}: `${baseName}-a${n}`, e.g.
   * `align-reads-k3x9q0v2m7ab-a2`. When that would be longer than 63 characters the readable prefix of the base is
   * shortened; the random suffix and the attempt tag are always kept whole. Deterministic (the same base and number
   * give the same name) and, for bases from this generator, unique: the suffix is unique, and an attempt name never
   * equals a name from `next` (the part after its last dash is 2 to 7 characters long, never 12).
   *
   * @param n the attempt number as the engine counts it (0 to {@link MAX_ATTEMPT}).
   * @throws CapstanError `value.invalid` if `baseName` is not a name from `next`, or `n` is out of range.
   */
  attempt(baseName: string, n: number): string {
    const match = baseName.length <= MAX_NAME_LENGTH ? GENERATED_NAME.exec(baseName) : null;
    if (match === null) {
      throw new CapstanError(
        ErrorCode.InvalidValue,
        `'${baseName}' is not a name from NameGenerator.next (expected <prefix>-<12 characters of [a-z0-9]>, ` +
          `at most ${MAX_NAME_LENGTH} characters in all)`,
        { details: { baseName } },
      );
    }
    if (!Number.isSafeInteger(n) || n < 0 || n > MAX_ATTEMPT) {
      throw new CapstanError(
        ErrorCode.InvalidValue,
        `attempt number ${String(n)} is not an integer from 0 to ${MAX_ATTEMPT}`,
        { details: { attempt: n } },
      );
    }
    const prefix = match[1] ?? '';
    const suffix = match[2] ?? '';
    const tail = `-${suffix}-a${n}`;
    // The tail is at most 1 + 12 + 2 + 6 = 21 characters, so at least 42 remain for the prefix: never empty.
    const shortened = prefix.slice(0, MAX_NAME_LENGTH - tail.length).replace(/-+$/, '');
    return `${shortened}${tail}`;
  }

  /**
   * A new run id: {@link RUN_ID_LENGTH} characters of `[0-9a-z]`, drawn like name suffixes and unique among every
   * suffix and run id this generator's set has seen.
   */
  runId(): string {
    return this.draw(RUN_ID_LENGTH);
  }

  /**
   * Forgets the suffix of a name from {@link next} whose task has ended, so that a long-running process (the TES
   * server) does not keep ~55 bytes per task forever. Uniqueness stays exact among names not released; a released
   * suffix is as unlikely to come again as any other draw (62 random bits). A name not from `next` is ignored.
   */
  release(name: string): void {
    const suffix = name.length <= MAX_NAME_LENGTH ? GENERATED_NAME.exec(name)?.[2] : undefined;
    if (suffix !== undefined) this.issued.delete(suffix);
  }

  /** How many random parts (names and run ids) the set behind this generator holds. */
  get issuedCount(): number {
    return this.issued.size;
  }

  private draw(length: number): string {
    for (let attempt = 0; attempt < MAX_REDRAWS; attempt++) {
      const candidate = randomAlphanumeric(length, this.random);
      if (!this.issued.has(candidate)) {
        this.issued.add(candidate);
        return candidate;
      }
    }
    throw new Error(`random source repeated an issued value ${MAX_REDRAWS} times in a row; it is not random`);
  }
}
