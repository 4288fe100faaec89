import { emitKeypressEvents } from 'node:readline';
import { type Frame } from './render';
import { type Key } from './top-view';

const ESC = '\u001b';
const ENTER = `${ESC}[?1049h${ESC}[?25l`;
// Show the cursor, attributes off, leave the alternate screen: the terminal as it was before top.
const LEAVE = `${ESC}[?25h${ESC}[0m${ESC}[?1049l`;

/**
 * The terminal while top runs: the alternate screen, no cursor, raw keys. `restore` undoes all of it, once, and is
 * also run from the process's `exit` event (synchronously), so an uncaught error cannot leave the terminal raw.
 */
export class Screen {
  private restored = false;
  private readonly onExit = (): void => this.restore();

  private constructor(
    private readonly input: NodeJS.ReadStream,
    private readonly output: NodeJS.WriteStream,
  ) {}

  static open(input: NodeJS.ReadStream, output: NodeJS.WriteStream, onKey: (key: Key) => void, onResize: () => void): Screen {
    const screen = new Screen(input, output);
    process.once('exit', screen.onExit);
    emitKeypressEvents(input);
    input.setRawMode(true);
    input.on('keypress', (_text: string | undefined, key: Key | undefined) => onKey(key ?? {}));
    input.resume();
    output.on('resize', onResize);
    output.write(ENTER);
    return screen;
  }

  get size(): { width: number; height: number } {
    return { width: this.output.columns || 80, height: this.output.rows || 24 };
  }

  /** Draws from the top left, each line cleared to its end; the selected row in reverse video. */
  draw(frame: Frame): void {
    if (this.restored) return;
    const text = frame.lines.map((line, index) => (index === frame.highlight ? `${ESC}[7m${line}${' '.repeat(Math.max(0, this.size.width - [...line].length))}${ESC}[0m` : `${line}${ESC}[K`));
    this.output.write(`${ESC}[H${text.join('\r\n')}${ESC}[J`);
  }

  restore(): void {
    if (this.restored) return;
    this.restored = true;
    process.off('exit', this.onExit);
    try {
      this.input.setRawMode(false);
    } catch {
      // The terminal is gone (its window closed): nothing left to restore on it.
    }
    this.input.pause();
    this.input.removeAllListeners('keypress');
    this.output.write(LEAVE);
  }
}
