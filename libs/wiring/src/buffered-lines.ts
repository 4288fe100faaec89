/**
 * Collects log lines and writes them in one go once per turn of the event loop (or when 64 KiB wait): a busy server
 * writes one line per request, and a write to a pipe is a system call each (synchronous on Linux).
 */
export class BufferedLines {
  private pending: string[] = [];
  private size = 0;
  private scheduled = false;

  constructor(private readonly sink: (text: string) => void) {}

  readonly write = (line: string): boolean => {
    this.pending.push(line);
    this.size += line.length;
    if (this.size >= 65_536) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
    return true;
  };

  flush(): void {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    const text = this.pending.join('');
    this.pending = [];
    this.size = 0;
    this.sink(text);
  }
}
