/** Edit distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    let diagonal = previous[0] ?? 0;
    previous[0] = i;
    for (let j = 1; j <= b.length; j += 1) {
      const above = previous[j] ?? 0;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      previous[j] = Math.min(above + 1, (previous[j - 1] ?? 0) + 1, diagonal + cost);
      diagonal = above;
    }
  }
  return previous[b.length] ?? 0;
}

/**
 * The known key closest to `key`, when it is close enough to be a likely typo: by default within a third of its
 * length (at least 2); `maxDistance` tightens that where unknown keys are legal (custom hints).
 */
export function suggestKey(key: string, known: readonly string[], maxDistance = Math.max(2, Math.floor(key.length / 3))): string | undefined {
  const normalised = key.toLowerCase().replace(/[-_]/g, '');
  let best: { key: string; distance: number } | undefined;
  for (const candidate of known) {
    const other = candidate.toLowerCase().replace(/[-_]/g, '');
    // The distance is at least the difference in length: skipping those keeps a hostile 1 MB key from costing
    // seconds of edit-distance work (the key may come from an untrusted client's document).
    if (Math.abs(other.length - normalised.length) > maxDistance) continue;
    const distance = editDistance(normalised, other);
    if (best === undefined || distance < best.distance) best = { key: candidate, distance };
  }
  return best !== undefined && best.distance <= maxDistance ? best.key : undefined;
}
