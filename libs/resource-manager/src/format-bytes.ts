const binaryUnits = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'] as const;

/** A byte count as people read it: `68719476736` -> `64 GiB`, `1610612736` -> `1.5 GiB` (at most two decimals). */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unitIndex = 0;
  while (Math.abs(value) >= 1024 && unitIndex < binaryUnits.length - 1) {
    value /= 1024;
    unitIndex += 1;
  }
  const rounded = Number.parseFloat(value.toFixed(2));
  return `${rounded} ${binaryUnits[unitIndex] ?? 'B'}`;
}
