import { shown } from '@capstan/cli-spec';

/**
 * Rows as aligned columns, the first row the header. Cells are shown escaped and cut short: task names and records
 * come from files a task may have written, and must not move the cursor or fill the terminal.
 */
export function table(rows: readonly (readonly string[])[]): string {
  const cells = rows.map((row) => row.map((cell) => shown(cell)));
  const widths = cells[0]?.map((_, column) => Math.max(...cells.map((row) => row[column]?.length ?? 0))) ?? [];
  return cells.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0))).join('  ')).join('\n') + '\n';
}
