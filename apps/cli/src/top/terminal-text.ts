// Escape sequences: CSI (ESC [ ... final byte), OSC/DCS/SOS/PM/APC strings (ESC ] ... BEL or ESC \), two-byte ESC
// forms, and their 8-bit C1 twins. Any of them from a task (its name, its output) could move the cursor, clear the
// screen, set the clipboard (OSC 52) or retitle the window: they are removed whole, not just their ESC byte.
// eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
const ESCAPES = /\u001b\[[0-?]*[ -/]*[@-~]?|\u009b[0-?]*[ -/]*[@-~]?|[\u001b][\]PX^_][^\u0007\u001b\u009c]*(?:\u0007|\u001b\\|\u009c)?|[\u0090\u009d\u009e\u009f\u0098][^\u0007\u001b\u009c]*(?:\u0007|\u001b\\|\u009c)?|\u001b[ -/]*[0-~]?/g;
// What is left of C0, DEL and C1 controls (tabs and carriage returns too: one row is one line of cells).
// eslint-disable-next-line no-control-regex -- as above
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;
// Zero-width and direction marks would make a row's width differ from its length, or reorder what follows.
const INVISIBLE = /[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;

/** Text from a task or a server as it may be drawn: escape sequences removed, other controls as one space each. */
export function printable(text: string): string {
  return text.replace(ESCAPES, '').replace(CONTROLS, ' ').replace(INVISIBLE, '');
}

/** Cut to `width` code points (an ellipsis marks a cut) and pad to it. */
export function fit(text: string, width: number): string {
  if (width <= 0) return '';
  const points = [...text];
  if (points.length > width) return `${points.slice(0, Math.max(0, width - 1)).join('')}…`;
  return text + ' '.repeat(width - points.length);
}

/** The last line of `text` that holds something besides blanks, made printable. */
export function lastLine(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const lines = text.split(/\r?\n|\r/);
  for (let at = lines.length - 1; at >= 0; at -= 1) {
    const line = printable(lines[at] as string).trim();
    if (line !== '') return line;
  }
  return undefined;
}

/** The last `count` lines of `text`, each printable (a trailing newline ends the last line, it does not add one). */
export function tailLines(text: string, count: number): string[] {
  const lines = text.replace(/\r?\n$/, '').split(/\r?\n|\r/);
  return (lines.length === 1 && lines[0] === '' ? [] : lines.slice(-count)).map((line) => printable(line));
}
