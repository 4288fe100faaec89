/**
 * The longest comma-joined list of job ids one scheduler call is given. Linux refuses any single argument over
 * 128 KiB (MAX_ARG_STRLEN) with E2BIG, and over SSH the whole command line is one argument of the login node's shell:
 * `squeue --jobs=ID,ID,...` for 20,000 jobs of 8-digit ids is 180,000 characters. Half the limit leaves room for the
 * rest of the command line; it is about 7,000 such ids a call.
 */
export const MAX_JOB_LIST_CHARS = 65_536;

/**
 * Job ids in order, split into lists whose comma-joined length stays within `maxChars`. An id longer than that on its
 * own gets a list of its own (it cannot be split; the call then fails for that list alone).
 */
export function jobIdBatches(ids: readonly string[], maxChars: number = MAX_JOB_LIST_CHARS): string[][] {
  const batches: string[][] = [];
  let batch: string[] = [];
  let length = 0;
  for (const id of ids) {
    const added = batch.length === 0 ? id.length : length + 1 + id.length;
    if (batch.length > 0 && added > maxChars) {
      batches.push(batch);
      batch = [id];
      length = id.length;
    } else {
      batch.push(id);
      length = added;
    }
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}
